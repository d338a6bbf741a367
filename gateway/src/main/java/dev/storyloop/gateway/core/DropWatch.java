package dev.storyloop.gateway.core;

/**
 * Drops the gateway cannot see in its own queue, and whether they call for throttling: sequence
 * gaps (frames that never arrived) and the broker's own drop counter (Mosquitto's
 * {@code $SYS/broker/publish/messages/dropped}), counted per second over a short sliding window.
 *
 * <p>Sans-IO: the core feeds it gaps as it finds them and the shell feeds it the broker's counter
 * with {@code now}; {@link #pressing} answers from those numbers alone. A ring of
 * {@link #WINDOW_SECONDS} one-second buckets keeps the recent counts, so the cost per call is
 * constant and nothing is allocated. The broker's counter is cumulative and resets when the broker
 * restarts; a value below the last one is taken as a reset (its whole value is new drops).
 *
 * <p>The decision has hysteresis: pressure starts when the drops of the last
 * {@link #WINDOW_SECONDS} seconds reach {@code dropsPerSecond} times the window, and ends only
 * after {@code quietSeconds} whole seconds without a drop, so a throttle is not lifted while the
 * broker is still dropping.
 */
public final class DropWatch {
    public static final int WINDOW_SECONDS = 4;
    private static final long SECOND = 1_000_000_000L;

    private final long dropsPerSecond;
    private final long quietNanos;
    private final long[] buckets = new long[WINDOW_SECONDS];
    private long bucketSecond = Long.MIN_VALUE; // the second the newest bucket counts
    private long lastBrokerCounter = -1;
    private long brokerDropped;
    private long gaps;
    private long lastDropNanos = Long.MIN_VALUE;
    private boolean pressing;
    private long pressureStarts;

    /** Pressure at {@code dropsPerSecond} drops a second (over the window), released after {@code quietSeconds} without one. */
    public DropWatch(long dropsPerSecond, int quietSeconds) {
        if (dropsPerSecond <= 0) throw new IllegalArgumentException("dropsPerSecond must be > 0");
        if (quietSeconds <= 0) throw new IllegalArgumentException("quietSeconds must be > 0");
        this.dropsPerSecond = dropsPerSecond;
        this.quietNanos = quietSeconds * SECOND;
    }

    /**
     * {@code count} sequence numbers were found missing at {@code nowNanos}; a negative count is
     * late frames filling gaps (reordering, not loss), taken back from the recent buckets.
     */
    public void gaps(long nowNanos, long count) {
        if (count > 0) {
            gaps += count;
            add(nowNanos, count);
        } else if (count < 0) {
            gaps = Math.max(0, gaps + count);
            roll(nowNanos);
            long left = -count;
            for (int i = 0; i < WINDOW_SECONDS && left > 0; i++) { // newest bucket first
                int b = (int) Math.floorMod(bucketSecond - i, WINDOW_SECONDS);
                long taken = Math.min(left, buckets[b]);
                buckets[b] -= taken;
                left -= taken;
            }
        }
    }

    /** The broker's cumulative drop counter read {@code value} at {@code nowNanos}; negative values are ignored. */
    public void brokerCounter(long nowNanos, long value) {
        if (value < 0) return;
        long fresh;
        if (lastBrokerCounter < 0) fresh = 0;                       // the first reading: drops before this gateway saw the broker
        else if (value >= lastBrokerCounter) fresh = value - lastBrokerCounter;
        else fresh = value;                                         // the broker restarted: its counter began again at 0
        lastBrokerCounter = value;
        if (fresh == 0) return;
        brokerDropped += fresh;
        add(nowNanos, fresh);
    }

    private void add(long nowNanos, long count) {
        roll(nowNanos);
        buckets[(int) Math.floorMod(bucketSecond, WINDOW_SECONDS)] += count;
        lastDropNanos = nowNanos;
    }

    /** Moves the ring to {@code nowNanos}'s second, emptying the buckets of the seconds that passed. */
    private void roll(long nowNanos) {
        long second = Math.floorDiv(nowNanos, SECOND);
        if (bucketSecond == Long.MIN_VALUE || second - bucketSecond >= WINDOW_SECONDS) {
            java.util.Arrays.fill(buckets, 0);
        } else {
            for (long s = bucketSecond + 1; s <= second; s++) buckets[(int) Math.floorMod(s, WINDOW_SECONDS)] = 0;
        }
        if (second > bucketSecond) bucketSecond = second;
    }

    /** Drops (gaps and broker drops) over the last {@link #WINDOW_SECONDS} seconds. */
    public long recentDrops(long nowNanos) {
        roll(nowNanos);
        long sum = 0;
        for (long b : buckets) sum += b;
        return sum;
    }

    /** Drops per second over the window. */
    public double dropsPerSecond(long nowNanos) {
        return recentDrops(nowNanos) / (double) WINDOW_SECONDS;
    }

    /** Whether recent drops call for throttling; updates the hysteresis, so call it with a non-decreasing {@code nowNanos}. */
    public boolean pressing(long nowNanos) {
        long recent = recentDrops(nowNanos);
        if (!pressing && recent >= dropsPerSecond * WINDOW_SECONDS) {
            pressing = true;
            pressureStarts++;
        } else if (pressing && nowNanos - lastDropNanos >= quietNanos) {
            pressing = false;
        }
        return pressing;
    }

    /** Messages the broker reported dropping since this gateway first read its counter. */
    public long brokerDropped() { return brokerDropped; }
    /** Sequence numbers found missing (all devices). */
    public long gaps() { return gaps; }
    /** Times pressure started. */
    public long pressureStarts() { return pressureStarts; }
}
