package dev.storyloop.device.sim;

/** What a simulated MQTT client hears from the broker, after the downlink delivered it. */
public interface ClientListener {
    default void onConnack(boolean sessionPresent, long nowNanos) {}

    /** A message; QoS 1 messages are acknowledged by the client unless it was made with auto-ack off. */
    default void onMessage(Message message, int packetId, boolean duplicate, long nowNanos) {}

    /** The broker acknowledged the QoS 1 publish with this packet id. */
    default void onPuback(int packetId, long nowNanos) {}

    default void onSuback(int grantedQos, long nowNanos) {}

    /** The connection is gone (broker closed it, broker died, keepalive failed); {@code reason} says which. */
    default void onClosed(String reason, long nowNanos) {}
}
