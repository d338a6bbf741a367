package dev.storyloop.device.sim;

/**
 * Where the simulated broker's output goes: one call per packet it would write to a client's socket.
 *
 * <p>The simulated world implements it by putting the packet on the client's downlink, where
 * latency, loss and partitions apply; tests implement it with a list.
 */
public interface BrokerPort {

    void connack(String clientId, boolean sessionPresent, long nowNanos);

    /**
     * A PUBLISH to a subscriber; {@code packetId} is 0 for QoS 0. Returns false when the client's
     * outgoing buffer could not take it (the broker then counts the copy as dropped, or keeps a
     * QoS 1 copy in flight for the next connection).
     */
    boolean publish(String clientId, Message message, int packetId, boolean duplicate, long nowNanos);

    /** The broker acknowledges a QoS 1 PUBLISH from the client. */
    void puback(String clientId, int packetId, long nowNanos);

    void suback(String clientId, int grantedQos, long nowNanos);

    /** The broker answers a PINGREQ. */
    default void pingresp(String clientId, long nowNanos) {}

    /** The broker closes the client's connection (keepalive expired, taken over by a new connection). */
    void close(String clientId, String reason, long nowNanos);
}
