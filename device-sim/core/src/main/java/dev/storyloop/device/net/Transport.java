package dev.storyloop.device.net;

import dev.storyloop.device.exec.Future;

/**
 * The device's MQTT connection as its firmware sees it: every wait is a future on the device's executor.
 *
 * <p>Two implementations run the same firmware: the simulated world's and Paho's. Their contract:
 * <ul>
 *   <li>{@link #connect} is ready with true on CONNACK, false when the connection failed.</li>
 *   <li>{@link #publish} stays pending while the transport cannot take the message (send buffer
 *       full, or the client's QoS 1 in-flight window full): that is the firmware's backpressure,
 *       never an error and never a busy retry. It is ready with true once a QoS 0 message was
 *       written or a QoS 1 message acknowledged, false when the connection was lost first (the
 *       firmware keeps the frame and sends it again after reconnecting).</li>
 *   <li>{@link #publish} takes its payload as it is, without a copy: the caller must not change the
 *       array afterwards (the session holds it until the message is written, at QoS 1 until it is
 *       acknowledged, and the simulated broker delivers that array). The firmware's payloads are
 *       encoded afresh for each message, or constant.</li>
 *   <li>{@link #receive} is ready with the next inbound message; QoS 1 messages are acknowledged
 *       when the firmware takes them.</li>
 *   <li>{@link #connectionLost} is ready, with the reason, once the current connection is gone.</li>
 * </ul>
 * A transport belongs to one executor; its futures are polled on that executor's thread.
 */
public interface Transport {

    Future<Boolean> connect(ConnectOptions options);

    Future<Boolean> publish(String topic, byte[] payload, int qos, boolean retained);

    Future<Boolean> subscribe(String filter, int qos);

    Future<InboundMessage> receive();

    Future<String> connectionLost();

    /** Sends DISCONNECT (the will is discarded) and closes the connection. */
    void disconnect();

    boolean isConnected();
}
