package dev.storyloop.device.sim;

import dev.storyloop.testsupport.BrokerConfig;
import dev.storyloop.testsupport.MosquittoBroker;
import dev.storyloop.testsupport.MosquittoExtension;
import dev.storyloop.testsupport.PahoClients;
import org.eclipse.paho.client.mqttv3.IMqttDeliveryToken;
import org.eclipse.paho.client.mqttv3.MqttAsyncClient;
import org.eclipse.paho.client.mqttv3.MqttCallback;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A subscriber that stops acknowledging, against small broker limits: the model and Mosquitto
 * must keep and drop the same number of QoS 1 messages.
 */
class SlowSubscriberDifferentialTest {
    private static final int INFLIGHT = 2;
    private static final int QUEUED = 5;
    private static final int PUBLISHED = 30;

    @RegisterExtension
    static final MosquittoExtension MOSQUITTO = MosquittoExtension.with(BrokerConfig.defaults()
            .withMaxInflightMessages(INFLIGHT).withMaxQueuedMessages(QUEUED).withTcpNoDelay(true));

    @Test
    void shouldDropTheSameNumberOfMessagesAsMosquitto(MosquittoBroker mosquitto) throws Exception {
        // The model: the subscriber acknowledges nothing until all has been published.
        List<Integer> unacked = new ArrayList<>();
        SimBroker model = new SimBroker(new BrokerLimits(INFLIGHT, QUEUED, false));
        BrokerReplies toSlow = new BrokerReplies() {
            @Override public void publish(String clientId, Message m, int packetId, boolean dup) {
                if (clientId.equals("slow")) unacked.add(packetId);
            }
        };
        model.connect(0, "slow", true, 60, null);
        model.subscribe(0, "slow", "slow/t", 1);
        model.connect(0, "fast", true, 60, null);
        for (int i = 0; i < PUBLISHED; i++) model.publish(1, "fast", new Message("slow/t", new byte[] {(byte) i}, 1, false), i + 1);
        BrokerReplies.drain(model, toSlow);
        while (!unacked.isEmpty()) {
            model.puback(2, "slow", unacked.remove(0));
            BrokerReplies.drain(model, toSlow);
        }
        model.checkBalance();

        // Mosquitto: the subscriber's callback blocks, so Paho acknowledges nothing until it is released.
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger received = new AtomicInteger();
        MqttAsyncClient slow = PahoClients.connect(mosquitto, "slow", new MqttCallback() {
            @Override public void connectionLost(Throwable cause) {}
            @Override public void deliveryComplete(IMqttDeliveryToken token) {}
            @Override public void messageArrived(String topic, MqttMessage message) throws InterruptedException {
                received.incrementAndGet();
                release.await(10, TimeUnit.SECONDS);
            }
        }, options -> {});
        MqttAsyncClient fast = PahoClients.connect(mosquitto, "fast", null, options -> options.setMaxInflight(100));
        try {
            slow.subscribe("slow/t", 1).waitForCompletion(5_000);
            for (int i = 0; i < PUBLISHED; i++) fast.publish("slow/t", new byte[] {(byte) i}, 1, false).waitForCompletion(5_000);
            release.countDown();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (received.get() < model.stats().delivered() && System.nanoTime() < deadline) Thread.sleep(5);
            Thread.sleep(200); // anything beyond the model's count would arrive now
        } finally {
            PahoClients.close(slow);
            PahoClients.close(fast);
        }

        assertThat(model.stats().delivered()).isEqualTo(INFLIGHT + QUEUED);
        assertThat(model.stats().dropped(DropReason.QUEUE_FULL)).isEqualTo(PUBLISHED - INFLIGHT - QUEUED);
        assertThat((long) received.get()).as("messages Mosquitto delivered").isEqualTo(model.stats().delivered());
        assertThat(mosquitto.recentLog()).contains("Outgoing messages are being dropped for client slow");
    }
}
