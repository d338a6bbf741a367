package dev.storyloop.device.sim;

/**
 * The test side of a {@link SimBroker}'s output: reads its outbox into one call per packet, as the
 * world's network reads it onto the downlinks. Each method does nothing unless a test overrides it.
 */
interface BrokerReplies {
    default void connack(String clientId, boolean sessionPresent) {}

    default void publish(String clientId, Message message, int packetId, boolean duplicate) {}

    default void puback(String clientId, int packetId) {}

    default void suback(String clientId, int grantedQos) {}

    default void pingresp(String clientId) {}

    default void close(String clientId, String reason) {}

    /** Hands every entry of {@code broker}'s outbox to {@code replies}, in order, and empties it. */
    static void drain(SimBroker broker, BrokerReplies replies) {
        for (Outbox.Output out : broker.outbox().drain()) {
            String client = out.clientId();
            Packet packet = out.packet();
            if (packet instanceof Packet.Connack p) replies.connack(client, p.sessionPresent());
            else if (packet instanceof Packet.Publish p) replies.publish(client, p.message(), p.packetId(), p.duplicate());
            else if (packet instanceof Packet.Puback p) replies.puback(client, p.packetId());
            else if (packet instanceof Packet.Suback p) replies.suback(client, p.grantedQos());
            else if (packet instanceof Packet.Pingresp) replies.pingresp(client);
            else if (packet instanceof Packet.Close p) replies.close(client, p.reason());
            else throw new AssertionError("the broker never sends " + packet);
        }
    }
}
