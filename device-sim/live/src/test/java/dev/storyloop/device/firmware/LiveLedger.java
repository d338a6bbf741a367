package dev.storyloop.device.firmware;

import dev.storyloop.protocol.CommandCode;
import dev.storyloop.protocol.DeviceKeys;
import dev.storyloop.protocol.Frame;
import dev.storyloop.protocol.FrameCodec;
import dev.storyloop.protocol.FrameType;
import dev.storyloop.protocol.JcaAuthenticator;
import dev.storyloop.protocol.Topics;
import dev.storyloop.testsupport.MosquittoBroker;
import dev.storyloop.testsupport.PahoClients;
import org.eclipse.paho.client.mqttv3.IMqttDeliveryToken;
import org.eclipse.paho.client.mqttv3.MqttAsyncClient;
import org.eclipse.paho.client.mqttv3.MqttCallback;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.MqttMessage;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * The live tests' gateway stand-in: a Paho client with a persistent session that feeds a
 * {@link FrameLedger}, and sends commands. {@link #keepSessionAcrossKills()} makes its session
 * part of the broker's saved state, so after a {@code kill()} and {@code restart()} the broker
 * queues the device's frames for it until it is back.
 */
final class LiveLedger implements AutoCloseable {
    static final String CLIENT_ID = "ledger";
    final FrameLedger ledger = new FrameLedger();
    private final MosquittoBroker broker;
    private final FrameCodec codec = new FrameCodec();
    private MqttAsyncClient client;

    LiveLedger(MosquittoBroker broker) throws MqttException {
        this.broker = broker;
        connect();
        for (Topics.Kind kind : new Topics.Kind[] {Topics.Kind.TELEMETRY, Topics.Kind.ACK, Topics.Kind.STATUS}) {
            client.subscribe(kind.allDevicesFilter(), 1).waitForCompletion(PahoClients.CONNACK_WAIT_MILLIS);
        }
    }

    private void connect() throws MqttException {
        client = PahoClients.connect(broker, CLIENT_ID, new MqttCallback() {
            @Override public void connectionLost(Throwable cause) {}
            @Override public void messageArrived(String topic, MqttMessage message) {
                ledger.accept(topic, message.getPayload());
            }
            @Override public void deliveryComplete(IMqttDeliveryToken token) {}
        }, options -> {
            options.setCleanSession(false);
            options.setMaxInflight(1000);
        });
    }

    /** Restarts the broker gracefully so it saves this session; afterwards a kill does not lose it. */
    void keepSessionAcrossKills() throws MqttException {
        broker.restart();
        reconnect();
    }

    /** Connects again to the same session (after a broker restart). */
    void reconnect() throws MqttException {
        PahoClients.close(client);
        connect();
    }

    void command(String deviceId, long correlationId, CommandCode code, int argument) throws MqttException {
        Frame frame = new Frame().reset(FrameType.COMMAND, deviceId, 0, 0).command(1, correlationId, code, argument);
        ByteBuffer out = ByteBuffer.allocate(FrameCodec.MAX_FRAME_BYTES);
        int length;
        synchronized (codec) {
            length = codec.encode(frame, new JcaAuthenticator(DeviceKeys.development(deviceId)), out);
        }
        client.publish(Topics.cmd(deviceId), Arrays.copyOf(out.array(), length), 1, false)
                .waitForCompletion(PahoClients.CONNACK_WAIT_MILLIS);
    }

    @Override
    public void close() {
        PahoClients.close(client);
    }
}
