package dev.storyloop.stories.run;

import dev.storyloop.device.sim.ClientListener;
import dev.storyloop.device.sim.Message;
import dev.storyloop.device.sim.SimClient;
import dev.storyloop.device.sim.SimWorld;
import dev.storyloop.gateway.core.ConnectionPolicy;
import dev.storyloop.gateway.core.GatewayConnection;
import dev.storyloop.gateway.core.GatewayCore;
import dev.storyloop.gateway.core.Outbox;
import org.HdrHistogram.Histogram;

/**
 * The gateway core in the simulated world: the same {@link GatewayCore} and {@link GatewayConnection}
 * the Vert.x gateway runs, with a simulated MQTT client as its shell. Each frame costs
 * {@code costPerFrameNanos} of the gateway's time (the ingest queue builds up when frames come
 * faster). What it subscribes to, its keepalive (so a broker that died behind a partition is
 * noticed), its tick and when it tries again after losing the broker are
 * {@link ConnectionPolicy#simulated()}'s. {@link #stop()} disconnects it cleanly (its session
 * stays at the broker) until {@link #start()}. It loads no Vert.x class.
 */
final class SimGateway implements ClientListener, Outbox {
    static final String CLIENT_ID = "gateway";
    /** The simulated policy's reconnect has no jitter; a fixed seed keeps a jittered one deterministic too. */
    private static final long JITTER_SEED = 0x5EED;

    private final SimWorld world;
    private final GatewayCore core;
    private final GatewayConnection connection;
    private final SimClient client;
    private final long costPerFrameNanos;
    private boolean draining;
    private long publishesRefused;
    /** Publish latency: from the reading's timestamp on the device to its arrival here (both on the world's clock). */
    private final Histogram publishLatency = new Histogram(3_600_000_000_000L, 2);

    SimGateway(SimWorld world, GatewayCore core, long costPerFrameNanos) {
        this(world, core, costPerFrameNanos, CLIENT_ID);
    }

    /** A gateway with its own MQTT client id: a second gateway process in the same world. */
    SimGateway(SimWorld world, GatewayCore core, long costPerFrameNanos, String clientId) {
        this.world = world;
        this.core = core;
        this.costPerFrameNanos = costPerFrameNanos;
        this.connection = new GatewayConnection(core, ConnectionPolicy.simulated(), JITTER_SEED);
        this.client = world.client(clientId, this, true);
        core.attach(this);
        connect();
        tick();
    }

    private void connect() {
        client.connect(!connection.policy().persistentSession(), connection.policy().keepAliveSeconds(), null);
    }

    private void tick() {
        world.at(connection.tick(world.nowNanos()), this::tick);
    }

    @Override
    public void onConnack(boolean sessionPresent, long nowNanos) {
        for (ConnectionPolicy.Subscription subscription : connection.connected(nowNanos)) {
            client.subscribe(subscription.filter(), subscription.qos());
        }
    }

    @Override
    public void onSuback(int grantedQos, long nowNanos) {
        connection.subscribed(nowNanos);
    }

    @Override
    public void onMessage(Message message, int packetId, boolean duplicate, long nowNanos) {
        recordLatency(message, nowNanos);
        core.enqueue(nowNanos, message.topic(), message.payload());
        if (costPerFrameNanos == 0) {
            core.drain(nowNanos, Integer.MAX_VALUE);
        } else if (!draining) {
            draining = true;
            world.at(nowNanos + costPerFrameNanos, this::processOne);
        }
    }

    private void processOne() {
        core.drain(world.nowNanos(), 1);
        if (core.backlog() > 0) world.at(world.nowNanos() + costPerFrameNanos, this::processOne);
        else draining = false;
    }

    @Override
    public void onClosed(String reason, long nowNanos) {
        long at = connection.lost(nowNanos);
        if (at != GatewayConnection.NEVER) world.at(at, this::reconnect);
    }

    private void reconnect() {
        if (connection.wanted() && !client.isConnected()) connect();
    }

    void stop() {
        connection.stop();
        if (client.isConnected()) client.disconnect();
    }

    void start() {
        connection.start();
        reconnect();
    }

    @Override
    public void publish(String topic, byte[] payload, int qos, boolean retained) {
        if (client.publish(new Message(topic, payload, qos, retained)) < 0) publishesRefused++;
    }

    /** Reads the device timestamp (frame v2: i64 milliseconds at 9 + L) of a telemetry frame; malformed ones are the core's to reject. */
    private void recordLatency(Message message, long nowNanos) {
        byte[] frame = message.payload();
        if (!message.topic().endsWith("/telemetry") || frame.length < 5) return;
        int at = 9 + (frame[4] & 0xFF);
        if (frame.length < at + 8) return;
        long millis = 0;
        for (int i = 0; i < 8; i++) millis = (millis << 8) | (frame[at + i] & 0xFF);
        long latency = nowNanos - millis * 1_000_000L;
        if (latency >= 0) publishLatency.recordValue(Math.min(latency, publishLatency.getHighestTrackableValue()));
    }

    boolean connected() {
        return client.isConnected();
    }

    Histogram publishLatency() {
        return publishLatency;
    }

    GatewayCore core() {
        return core;
    }

    long publishesRefused() {
        return publishesRefused;
    }
}
