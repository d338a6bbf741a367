package dev.storyloop.device.sim;

import dev.storyloop.device.net.ClientSession;
import dev.storyloop.device.net.ConnectOptions;
import dev.storyloop.device.net.InboundMessage;
import dev.storyloop.device.net.SessionDriver;
import dev.storyloop.device.net.SessionOp;
import dev.storyloop.device.net.Transport;

/**
 * The device's {@link Transport} in the simulated world: a thin driver between a {@link SimClient}
 * and the device's {@link ClientSession}.
 *
 * <p>The simulated client's callbacks arrive on the world's thread, which is the device's loop
 * thread, so each is handed straight to the session; the session's actions become the client's
 * packets. A write the uplink's send buffer cannot take is the session's "no room", and the
 * buffer draining is its "room available". The window (Paho's default of 10 QoS 1 publishes
 * unacknowledged) and the inbound queue's bound are the session's; see there.
 */
public final class SimTransport extends SessionDriver implements ClientListener {
    public static final int MAX_INFLIGHT_DEFAULT = 10;
    public static final int INBOUND_CAPACITY_DEFAULT = 32;

    private final SimClient client;

    public SimTransport(SimWorld world, String clientId) {
        this(world, clientId, MAX_INFLIGHT_DEFAULT, INBOUND_CAPACITY_DEFAULT);
    }

    public SimTransport(SimWorld world, String clientId, int maxInflight, int inboundCapacity) {
        super("mqtt:" + clientId, maxInflight, inboundCapacity);
        this.client = world.client(clientId, this, false);
        client.onWritable(() -> session.onRoom(world.nowNanos()));
    }

    /**
     * The board lost power: the connection vanishes without DISCONNECT or FIN ({@link SimClient#vanish()}),
     * and what the session held in RAM is gone. The firmware's tasks were stopped first.
     */
    public void powerCut() {
        client.vanish();
        session.powerCut();
    }

    public int inflight() { return session.inflight(); }
    public int inboundQueued() { return session.inboundQueued(); }
    public SimClient client() { return client; }

    @Override
    public String clientId() {
        return client.clientId();
    }

    // ---- from the simulated client: one hand-off each ------------------------------------------

    @Override public void onConnack(boolean sessionPresent, long now) { session.onConnack(sessionPresent, now); }
    @Override public void onPuback(int packetId, long now) { session.onPuback(packetId, now); }
    @Override public void onSuback(int grantedQos, long now) { session.onSuback(grantedQos <= 1, now); }
    @Override public void onClosed(String reason, long now) { session.onClosed(reason, now); }

    @Override
    public void onMessage(Message message, int packetId, boolean duplicate, long now) {
        session.onMessage(new InboundMessage(message.topic(), message.payload(), message.qos(), message.retain(), duplicate),
                packetId, now);
    }

    // ---- the session's actions as the client's packets -----------------------------------------

    @Override
    public boolean open(ConnectOptions options, SessionOp<?> connect) {
        Message will = options.hasWill()
                ? new Message(options.willTopic(), options.willPayload().clone(), options.willQos(), options.willRetained())
                : null;
        return client.connect(options.cleanSession(), options.keepAliveSeconds(), will);
    }

    @Override
    public void abandon() {
        client.kill();
    }

    /** The client refuses (-1) only when its send buffer is full: the session checked the connection first. */
    @Override
    public int publish(String topic, byte[] payload, int qos, boolean retained, SessionOp<?> op) {
        int id = client.publish(new Message(topic, payload, qos, retained));
        return id < 0 ? NO_ROOM : id;
    }

    @Override
    public boolean subscribe(String filter, int qos, SessionOp<?> op) {
        return client.subscribe(filter, qos);
    }

    @Override
    public void acknowledge(int packetId) {
        client.puback(packetId);
    }

    @Override
    public void sendDisconnect() {
        client.disconnect();
    }

    @Override
    public String toString() {
        return "messages from the broker for " + client.clientId();
    }
}
