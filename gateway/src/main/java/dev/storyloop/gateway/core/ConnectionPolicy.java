package dev.storyloop.gateway.core;

import dev.storyloop.protocol.Topics;

import java.util.List;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * How the gateway holds its broker connection, as values: what it subscribes to and at which QoS,
 * its keepalive and session, how often it ticks the core, and when it tries again after losing the
 * broker. Both shells (the Vert.x MQTT verticle and the simulated gateway) read it through a
 * {@link GatewayConnection}; neither keeps a number of its own.
 *
 * <p>Command timeouts are the core's ({@link GatewayConfig#commandTimeoutNanos}): a tick
 * ({@link GatewayConnection#tick}) is what expires them, so the tick period is their resolution.
 *
 * @param subscriptions     the filters subscribed to after every connect, in this order
 * @param keepAliveSeconds  the MQTT keepalive the gateway asks for (0: none)
 * @param persistentSession true: clean session off, so QoS 1 frames the broker queued while the gateway was away arrive when it is back
 * @param tickNanos         how often the core's clock-driven work runs (liveness, eviction, command timeouts, flow control)
 * @param reconnect         when to try again after the connection was lost or a connect failed
 */
public record ConnectionPolicy(List<Subscription> subscriptions, int keepAliveSeconds, boolean persistentSession, long tickNanos,
                               Backoff reconnect) {
    /** Mosquitto's count of messages it dropped (full queues, among others); other brokers may not publish it. */
    public static final String BROKER_DROPPED_TOPIC = "$SYS/broker/publish/messages/dropped";
    public static final int KEEPALIVE_SECONDS = 30;
    public static final long TICK_NANOS = 100_000_000L;
    private static final long MILLI = 1_000_000L;

    /** One topic filter and the QoS it is subscribed with. */
    public record Subscription(String filter, int qos) {
        public Subscription {
            Objects.requireNonNull(filter, "filter");
            if (qos < 0 || qos > 1) throw new IllegalArgumentException("the gateway subscribes at QoS 0 or 1, not " + qos);
        }
    }

    /**
     * A capped exponential backoff, as a pure schedule: the ceiling doubles from {@code baseNanos}
     * with each failed attempt up to {@code capNanos}; with {@code jitter} the wait is drawn
     * uniformly from [{@code minNanos}, ceiling] (so a fleet of gateways restarted together does
     * not reconnect in step), without it the wait is the ceiling.
     */
    public record Backoff(long minNanos, long baseNanos, long capNanos, boolean jitter) {
        /** Doublings stop here: 2^16 times the base is past any sensible cap, and the shift cannot overflow. */
        public static final int DOUBLINGS_MAX = 16;

        public Backoff {
            if (minNanos <= 0) throw new IllegalArgumentException("the shortest wait must be > 0");
            if (baseNanos < minNanos) throw new IllegalArgumentException("the base must be at least the shortest wait");
            if (capNanos < baseNanos) throw new IllegalArgumentException("the cap must be at least the base");
        }

        /** The longest wait after {@code failures} failed attempts in a row (0: the first retry). */
        public long ceilingNanos(int failures) {
            if (failures < 0) throw new IllegalArgumentException("failures must be >= 0");
            int doublings = Math.min(failures, DOUBLINGS_MAX);
            return Math.min(capNanos, baseNanos << doublings);
        }

        /** When to try again: {@code nowNanos} plus a wait in [{@link #minNanos}, {@link #ceilingNanos}]; {@code random} draws the jitter. */
        public long nextAttemptNanos(long nowNanos, int failures, SplittableRandom random) {
            long ceiling = ceilingNanos(failures);
            long wait = jitter && ceiling > minNanos ? minNanos + random.nextLong(ceiling - minNanos + 1) : ceiling;
            assert wait >= minNanos && wait <= capNanos : wait;
            return nowNanos + wait;
        }
    }

    public ConnectionPolicy {
        subscriptions = List.copyOf(subscriptions);
        if (subscriptions.isEmpty()) throw new IllegalArgumentException("a gateway subscribes to something");
        if (keepAliveSeconds < 0 || keepAliveSeconds > 65_535) throw new IllegalArgumentException("keepalive must be 0..65535 s");
        if (tickNanos <= 0) throw new IllegalArgumentException("the tick period must be > 0");
        Objects.requireNonNull(reconnect, "reconnect");
    }

    /** The device topics every gateway subscribes to: telemetry, acks and statuses of all devices, at QoS 1. */
    public static List<Subscription> deviceSubscriptions() {
        return List.of(new Subscription(Topics.Kind.TELEMETRY.allDevicesFilter(), 1), new Subscription(Topics.Kind.ACK.allDevicesFilter(), 1),
                new Subscription(Topics.Kind.STATUS.allDevicesFilter(), 1));
    }

    /**
     * The policy against a real broker: the device topics plus Mosquitto's drop counter at QoS 0
     * (a broker whose ACL hides {@code $SYS} refuses it, and then only sequence gaps count drops),
     * 30 s keepalive, a persistent session, a 100 ms tick, and a jittered backoff from 100 ms
     * doubling to 5 s.
     */
    public static ConnectionPolicy live() {
        List<Subscription> subscriptions = new java.util.ArrayList<>(deviceSubscriptions());
        subscriptions.add(new Subscription(BROKER_DROPPED_TOPIC, 0));
        return new ConnectionPolicy(subscriptions, KEEPALIVE_SECONDS, true, TICK_NANOS, new Backoff(MILLI, 100 * MILLI, 5_000 * MILLI, true));
    }

    /**
     * The policy in the simulated world: the live one's keepalive, session and tick, without the
     * broker's drop counter (the simulated broker publishes no {@code $SYS} topics, and a subscription
     * to it would be a packet on the simulated link that moves every run's trace), and a steady
     * 10 ms reconnect (the simulated broker is back or not at once; the stories' timings are
     * measured with this wait).
     */
    public static ConnectionPolicy simulated() {
        return new ConnectionPolicy(deviceSubscriptions(), KEEPALIVE_SECONDS, true, TICK_NANOS, new Backoff(10 * MILLI, 10 * MILLI, 10 * MILLI, false));
    }

    /** Whether {@code topic} is the broker's drop counter (not a device's message). */
    public boolean isBrokerCounter(String topic) {
        return BROKER_DROPPED_TOPIC.equals(topic);
    }

    public ConnectionPolicy withReconnect(Backoff next) {
        return new ConnectionPolicy(subscriptions, keepAliveSeconds, persistentSession, tickNanos, next);
    }
}
