package dev.storyloop.stories.run;

import dev.storyloop.device.sim.ClientListener;
import dev.storyloop.device.sim.Message;
import dev.storyloop.device.sim.SimClient;
import dev.storyloop.device.sim.SimWorld;
import dev.storyloop.gateway.core.GatewayCore;
import dev.storyloop.gateway.core.Outbox;
import dev.storyloop.gateway.mqtt.GatewayVerticle;
import dev.storyloop.protocol.Topics;
import org.HdrHistogram.Histogram;

/**
 * The gateway core in the simulated world: the same {@link GatewayCore} the Vert.x gateway runs,
 * with a simulated MQTT client as its shell. Each frame costs {@code costPerFrameNanos} of the
 * gateway's time (the ingest queue builds up when frames come faster); it keeps the live gateway's
 * keepalive (so a broker that died behind a partition is noticed) and reconnects 10 ms after
 * losing the broker and subscribes again. {@link #stop()} disconnects it cleanly (its session
 * stays at the broker) until {@link #start()}.
 */
final class SimGateway implements ClientListener, Outbox {
    static final String CLIENT_ID = "gateway";
    static final long RECONNECT_NANOS = 10_000_000L;
    static final long TICK_NANOS = 100_000_000L;

    private final SimWorld world;
    private final GatewayCore core;
    private final SimClient client;
    private final long costPerFrameNanos;
    private boolean draining;
    private boolean stopped;
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
        this.client = world.client(clientId, this, true);
        core.attach(this);
        client.connect(false, GatewayVerticle.KEEPALIVE_SECONDS, null);
        tick();
    }

    private void tick() {
        core.tick(world.nowNanos());
        world.at(world.nowNanos() + TICK_NANOS, this::tick);
    }

    @Override
    public void onConnack(boolean sessionPresent, long nowNanos) {
        for (Topics.Kind kind : new Topics.Kind[] {Topics.Kind.TELEMETRY, Topics.Kind.ACK, Topics.Kind.STATUS}) {
            client.subscribe(kind.allDevicesFilter(), 1);
        }
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
        world.at(nowNanos + RECONNECT_NANOS, this::reconnect);
    }

    private void reconnect() {
        if (!stopped && !client.isConnected()) client.connect(false, GatewayVerticle.KEEPALIVE_SECONDS, null);
    }

    void stop() {
        stopped = true;
        if (client.isConnected()) client.disconnect();
    }

    void start() {
        stopped = false;
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
