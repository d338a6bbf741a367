package dev.storyloop.stories.run;

import dev.storyloop.protocol.Topics;
import org.eclipse.paho.client.mqttv3.IMqttDeliveryToken;
import org.eclipse.paho.client.mqttv3.MqttAsyncClient;
import org.eclipse.paho.client.mqttv3.MqttCallback;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;

/**
 * A subscriber next to the live gateway that counts the last wills the broker publishes for the run's
 * devices and how long after each device's last reading they came, so a live run reports
 * {@code broker.wills} and {@code broker.will_silence_*_s} as the simulated broker does.
 *
 * <p>A will is a status "offline" that arrives without the retain flag: the broker publishes it to
 * existing subscribers as a fresh message, while an "offline" left retained by an earlier run arrives
 * flagged retained at subscribe time and is not counted. The silence is measured from the arrival of the
 * device's last telemetry at this subscriber to the arrival of its will; both travel the same path from
 * the broker, so it stands for the broker's own "last packet to will" time to within one reading period
 * (the simulated figure counts from any packet, pings included). Only the run's own devices are
 * tracked, so the state is bounded by the fleet's size.
 */
final class WillObserver implements MqttCallback, AutoCloseable {
    private static final long CONNECT_WAIT_MILLIS = 10_000;

    private final MqttAsyncClient client;
    private final Map<String, Long> lastTelemetryNanos = new HashMap<>(); // looked up by device, never iterated
    private long wills;
    private long silenceMinNanos = Long.MAX_VALUE;
    private long silenceMaxNanos;

    private WillObserver(MqttAsyncClient client, List<String> deviceIds) {
        this.client = client;
        for (String id : deviceIds) lastTelemetryNanos.put(id, -1L);
    }

    static WillObserver start(String brokerUrl, String clientId, List<String> deviceIds) throws MqttException {
        MqttAsyncClient client = new MqttAsyncClient(brokerUrl, clientId, new MemoryPersistence());
        WillObserver observer = new WillObserver(client, deviceIds);
        client.setCallback(observer);
        MqttConnectOptions options = new MqttConnectOptions();
        options.setCleanSession(true);
        options.setKeepAliveInterval(60);
        client.connect(options).waitForCompletion(CONNECT_WAIT_MILLIS);
        client.subscribe(new String[] {Topics.Kind.TELEMETRY.allDevicesFilter(), Topics.Kind.STATUS.allDevicesFilter()}, new int[] {0, 0})
                .waitForCompletion(CONNECT_WAIT_MILLIS);
        return observer;
    }

    @Override
    public void messageArrived(String topic, MqttMessage message) {
        long now = System.nanoTime();
        Topics.Parsed parsed = Topics.parse(topic);
        if (!parsed.ok()) return;
        synchronized (this) {
            Long last = lastTelemetryNanos.get(parsed.deviceId());
            if (last == null) return; // another run's device on a shared broker
            if (parsed.kind() == Topics.Kind.TELEMETRY) {
                lastTelemetryNanos.put(parsed.deviceId(), now);
            } else if (parsed.kind() == Topics.Kind.STATUS && !message.isRetained()
                    && Topics.STATUS_OFFLINE.equals(new String(message.getPayload(), StandardCharsets.UTF_8))) {
                wills++;
                if (last >= 0) {
                    silenceMinNanos = Math.min(silenceMinNanos, now - last);
                    silenceMaxNanos = Math.max(silenceMaxNanos, now - last);
                }
            }
        }
    }

    @Override
    public void connectionLost(Throwable cause) {
        // The counts so far stand; a broker restart in the run ends this observer's view, which the run's realised list shows.
    }

    @Override
    public void deliveryComplete(IMqttDeliveryToken token) {}

    /** {@code broker.wills}, {@code broker.will_silence_min_s} and {@code broker.will_silence_max_s}, as the simulated runner names them. */
    synchronized void collect(SortedMap<String, Object> m) {
        m.put("broker.wills", wills);
        NoData noWill = new NoData("no will was seen");
        m.put("broker.will_silence_min_s", silenceMaxNanos == 0 ? noWill : silenceMinNanos / 1e9);
        m.put("broker.will_silence_max_s", silenceMaxNanos == 0 ? noWill : silenceMaxNanos / 1e9);
    }

    @Override
    public void close() {
        try {
            if (client.isConnected()) client.disconnect().waitForCompletion(CONNECT_WAIT_MILLIS);
        } catch (MqttException e) {
            // closing anyway
        } finally {
            try {
                client.close(true);
            } catch (MqttException e) {
                // nothing left to release
            }
        }
    }
}
