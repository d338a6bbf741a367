package dev.storyloop.device.net;

import dev.storyloop.device.exec.Future;

/**
 * The shape every transport driver shares: it is the firmware's {@link Transport} by handing each
 * call to its {@link ClientSession}, and the session's {@link SessionWire} by translating the
 * session's actions into its medium's calls, which is all a driver writes itself.
 */
public abstract class SessionDriver implements Transport, SessionWire {
    protected final ClientSession session;

    protected SessionDriver(String name, int maxInflight, int inboundCapacity) {
        this.session = new ClientSession(this, name, maxInflight, inboundCapacity);
    }

    @Override
    public final Future<Boolean> connect(ConnectOptions options) {
        return session.connect(options);
    }

    @Override
    public final Future<Boolean> publish(String topic, byte[] payload, int qos, boolean retained) {
        return session.publish(topic, payload, qos, retained);
    }

    @Override
    public final Future<Boolean> subscribe(String filter, int qos) {
        return session.subscribe(filter, qos);
    }

    @Override
    public final Future<InboundMessage> receive() {
        return session.receive();
    }

    @Override
    public final Future<String> connectionLost() {
        return session.connectionLost();
    }

    @Override
    public void disconnect() {
        session.disconnect();
    }

    @Override
    public final boolean isConnected() {
        return session.isConnected();
    }

    public final ClientSession session() {
        return session;
    }

    /** Inbound QoS 0 messages dropped because the firmware had not taken the earlier ones. */
    public long inboundDropped() {
        return session.inboundDropped();
    }

    /** Why the last connection ended or the last connect failed ("never connected" before any); safe from any thread. */
    public final String lastLossReason() {
        return session.lastLossReason();
    }

    /** Connections that reached CONNACK. */
    public final long connections() {
        return session.connections();
    }
}
