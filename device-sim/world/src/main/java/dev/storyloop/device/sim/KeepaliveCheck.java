package dev.storyloop.device.sim;

import java.util.SplittableRandom;

/**
 * When the simulated broker notices that a client's keepalive lapsed: as Mosquitto 2.0 does it, or
 * exactly as the MQTT 3.1.1 specification words it.
 *
 * <p>{@link Mode#MOSQUITTO_2_0}: Mosquitto 2.0.x (checked against 2.0.11, src/keepalive.c and
 * src/loop.c) keeps time in whole seconds of the monotonic clock. It notes the second in which each
 * packet from a client arrived, and its main loop walks every client only when the current second is
 * more than 5 past the previous walk, so once every 6 seconds. A walk closes a client (publishing its
 * will) when the current second minus the second of its last packet exceeds keepalive x 3 / 2 in
 * integer seconds (rounded down: 1 for a 1 s keepalive, 3 for 2 s, 7 for 5 s). A client that goes
 * silent is therefore closed more than that many seconds, and at most 6 s more, after its last packet
 * (3 to 9 s for a 2 s keepalive; with an odd keepalive it can be before 1.5 x keepalive), and a silence
 * of exactly 1.5 x an even keepalive is never enough. Where the monotonic second starts relative to the simulation's time zero is
 * {@link #secondOffsetNanos}; the walks count from the broker's start (and restart). The real loop
 * runs a walk up to 100 ms after the second starts (its epoll timeout); the model runs it at the
 * start, so it is never later than the real broker.
 *
 * <p>{@link Mode#SPEC}: a client is closed the instant 1.5 x keepalive has passed without a packet,
 * for stories that want the specification's behaviour rather than Mosquitto's.
 *
 * @param mode              which rule decides
 * @param secondOffsetNanos where, in {@code [0, 1 s)}, the broker's whole seconds begin relative to the
 *                          simulation's time zero (Mosquitto mode only)
 */
public record KeepaliveCheck(Mode mode, long secondOffsetNanos) {
    /** Seconds between two of Mosquitto 2.0's keepalive walks ({@code last_keepalive_check + 5 < now}). */
    public static final int MOSQUITTO_WALK_PERIOD_SECONDS = 6;
    /** The Mosquitto release the model was read from and measured against. */
    public static final String MOSQUITTO_VERSION = "2.0.11";
    private static final long SECOND_NANOS = 1_000_000_000L;
    // Mixed into the seed so the phase has its own stream and the world's random sequence is unchanged.
    private static final long PHASE_STREAM = 0x6b65_6570_616c_6976L;

    public enum Mode { MOSQUITTO_2_0, SPEC }

    public static final KeepaliveCheck SPEC = new KeepaliveCheck(Mode.SPEC, 0);

    public KeepaliveCheck {
        if (mode == null) throw new IllegalArgumentException("mode is null");
        if (secondOffsetNanos < 0 || secondOffsetNanos >= SECOND_NANOS) {
            throw new IllegalArgumentException("secondOffsetNanos must be in [0, 1 s), got " + secondOffsetNanos);
        }
    }

    /** Mosquitto's check with the whole-second phase drawn from {@code seed}: the same seed, the same phase. */
    public static KeepaliveCheck mosquitto(long seed) {
        return new KeepaliveCheck(Mode.MOSQUITTO_2_0, new SplittableRandom(seed ^ PHASE_STREAM).nextLong(SECOND_NANOS));
    }

    /** The broker's whole second at {@code nanos}. */
    long second(long nanos) {
        return Math.floorDiv(nanos + secondOffsetNanos, SECOND_NANOS);
    }

    /** When the broker's whole second {@code second} begins. */
    long secondStartNanos(long second) {
        return second * SECOND_NANOS - secondOffsetNanos;
    }

    /**
     * When a client last heard at {@code lastSeenNanos} with {@code keepAliveSeconds} is closed, if nothing
     * arrives meanwhile; {@code walkBaseSecond} is the second of the broker's first walk (its start).
     */
    long deadlineNanos(long lastSeenNanos, int keepAliveSeconds, long walkBaseSecond) {
        if (mode == Mode.SPEC) return lastSeenNanos + keepAliveSeconds * SECOND_NANOS * 3 / 2 + 1;
        long firstLapsedSecond = second(lastSeenNanos) + keepAliveSeconds * 3L / 2 + 1;
        long walks = Math.max(1, ceilDiv(firstLapsedSecond - walkBaseSecond, MOSQUITTO_WALK_PERIOD_SECONDS));
        return secondStartNanos(walkBaseSecond + walks * MOSQUITTO_WALK_PERIOD_SECONDS);
    }

    private static long ceilDiv(long a, long b) {
        return -Math.floorDiv(-a, b);
    }

    /** How the broker report names this rule. */
    public String describe() {
        return mode == Mode.SPEC ? "spec (exactly 1.5 x keepalive)"
                : "mosquitto " + MOSQUITTO_VERSION + " (whole seconds, a walk every " + MOSQUITTO_WALK_PERIOD_SECONDS + " s)";
    }
}
