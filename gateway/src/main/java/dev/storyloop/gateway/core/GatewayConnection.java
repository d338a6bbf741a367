package dev.storyloop.gateway.core;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * The gateway's broker connection as a sans-IO state machine: a shell reports what happened
 * (connected, lost, failed, stopped) with {@code now} and does what it is told (subscribe to these,
 * try again at that time, tick the core then). The shells (the Vert.x MQTT verticle, the
 * simulated gateway) differ only in how they connect, subscribe and set a timer.
 *
 * <p>Its books (reconnects, connection errors, bad broker counters) outlive a shell, so a
 * restarted MQTT verticle keeps counting where the last one stopped. One thread at a time (the
 * core's).
 */
public final class GatewayConnection {
    /** {@link #lost} when the gateway is stopped: no attempt is due. */
    public static final long NEVER = Long.MAX_VALUE;
    /** Digits in the longest decimal u63; a longer broker counter is not a number the core could use. */
    private static final int COUNTER_DIGITS_MAX = 19;

    private final GatewayCore core;
    private final ConnectionPolicy policy;
    private final SplittableRandom jitter;
    private boolean wanted = true;
    private boolean up;
    private int failures;            // failed attempts since the last connection that came up
    private long reconnects;
    private long connectionErrors;
    private long badBrokerCounters;

    /** A connection for {@code core} run by {@code policy}; {@code jitterSeed} seeds the backoff's jitter (a simulated run passes its seed). */
    public GatewayConnection(GatewayCore core, ConnectionPolicy policy, long jitterSeed) {
        this.core = Objects.requireNonNull(core, "core");
        this.policy = Objects.requireNonNull(policy, "policy");
        this.jitter = new SplittableRandom(jitterSeed);
    }

    public ConnectionPolicy policy() {
        return policy;
    }

    /** Whether the shell should be connected: true from {@link #start} to {@link #stop}. */
    public boolean wanted() {
        return wanted;
    }

    /** The shell starts (or starts again after {@link #stop}): it connects now. */
    public void start() {
        wanted = true;
    }

    /** The shell stops: it disconnects cleanly and tries no more attempts. */
    public void stop() {
        wanted = false;
        up = false;
    }

    /** The broker accepted the connection: these are the filters to subscribe to, in one request or one each. */
    public List<ConnectionPolicy.Subscription> connected(long nowNanos) {
        return policy.subscriptions();
    }

    /**
     * The broker answered the subscriptions: the gateway is in service (publishes may go out) and
     * the backoff starts over. A connection that comes up but cannot subscribe keeps backing off.
     */
    public void subscribed(long nowNanos) {
        up = wanted;
        failures = 0;
    }

    /** Whether the connection is in service: connected and subscribed. */
    public boolean isUp() {
        return up;
    }

    /**
     * The connection closed, or an attempt failed: when to try again ({@link #NEVER} once stopped).
     * Each call is one failure for the backoff and one reconnect counted.
     */
    public long lost(long nowNanos) {
        up = false;
        if (!wanted) return NEVER;
        long at = policy.reconnect().nextAttemptNanos(nowNanos, failures, jitter);
        if (failures < ConnectionPolicy.Backoff.DOUBLINGS_MAX) failures++;
        reconnects++;
        return at;
    }

    /** The transport reported an error (a refused connect, a broken socket); counted, the close that follows is {@link #lost}. */
    public void error() {
        connectionErrors++;
    }

    /** Runs the core's clock-driven work (liveness, eviction, command timeouts, flow control); returns when the next tick is due. */
    public long tick(long nowNanos) {
        core.tick(nowNanos);
        return nowNanos + policy.tickNanos();
    }

    /**
     * A message on the broker's drop counter (decimal text, published every {@code sys_interval}):
     * handed to the core, or counted as bad and ignored when it is not a number (a broker that is
     * not Mosquitto, a client publishing on {@code $SYS}).
     */
    public void brokerCounter(long nowNanos, byte[] payload) {
        String text = new String(payload, StandardCharsets.US_ASCII).trim();
        long value;
        try {
            if (text.length() > COUNTER_DIGITS_MAX) throw new NumberFormatException("too long");
            value = Long.parseLong(text);
        } catch (NumberFormatException e) {
            badBrokerCounters++;
            return;
        }
        core.brokerDropCounter(nowNanos, value);
    }

    /** Times the gateway scheduled a new attempt after losing the broker or failing to reach it. */
    public long reconnects() {
        return reconnects;
    }

    public long connectionErrors() {
        return connectionErrors;
    }

    public long badBrokerCounters() {
        return badBrokerCounters;
    }
}
