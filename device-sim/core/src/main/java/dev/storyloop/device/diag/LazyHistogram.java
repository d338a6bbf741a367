package dev.storyloop.device.diag;

import org.HdrHistogram.Histogram;

/**
 * A histogram of non-negative nanoseconds that costs a counter until it records its first value
 * above zero.
 *
 * <p>In the simulated world a poll takes no virtual time and a wake is polled at the instant it
 * arrives, so a device's poll-duration and wake-to-poll histograms hold only zeros unless a poll
 * spends time. An HdrHistogram per device and per kind (about 2 KiB each even when auto-resizing)
 * is then most of a quiet device's heap in a fleet of 100,000. This one counts the zeros and builds
 * the histogram, with the zeros in it, at the first value that is not zero: live, at the first poll.
 * Loop thread only.
 */
final class LazyHistogram {
    private final long highestNanos;
    private long zeros;
    private Histogram histogram; // null until a value above zero is recorded

    LazyHistogram(long highestNanos) {
        this.highestNanos = highestNanos;
    }

    /** Records {@code nanos}, clamped to [0, highest]. */
    void record(long nanos) {
        long value = Math.min(Math.max(nanos, 0), highestNanos);
        if (histogram != null) {
            histogram.recordValue(value);
        } else if (value == 0) {
            zeros++;
        } else {
            histogram = new Histogram(2); // auto-resizing: grows only as far as the values recorded need
            if (zeros > 0) histogram.recordValueWithCount(0, zeros);
            histogram.recordValue(value);
        }
    }

    /** True once a value above zero was recorded (the histogram exists). */
    boolean materialized() {
        return histogram != null;
    }

    /** The largest value recorded (0 when none), read without building a histogram. */
    long maxValue() {
        return histogram == null ? 0 : histogram.getMaxValue();
    }

    /** The value at {@code percentile} (0 when nothing or only zeros were recorded), read without building a histogram. */
    long valueAtPercentile(double percentile) {
        return histogram == null ? 0 : histogram.getValueAtPercentile(percentile);
    }

    /**
     * The values recorded: the histogram itself once one exists, else a new one holding the zeros
     * counted so far (a copy: recording into it changes nothing here).
     */
    Histogram histogram() {
        if (histogram != null) return histogram;
        Histogram zerosOnly = new Histogram(2);
        if (zeros > 0) zerosOnly.recordValueWithCount(0, zeros);
        return zerosOnly;
    }
}
