package dev.storyloop.device.sim;

import java.util.Locale;
import java.util.SplittableRandom;

/** A delay distribution in nanoseconds, sampled from the world's one seeded PRNG. */
public interface Distribution {

    long sampleNanos(SplittableRandom random);

    static Distribution constant(long nanos) {
        if (nanos < 0) throw new IllegalArgumentException("a delay cannot be negative: " + nanos);
        return new Distribution() {
            @Override public long sampleNanos(SplittableRandom random) { return nanos; }
            @Override public String toString() { return String.format(Locale.ROOT, "constant %.3f ms", nanos / 1e6); }
        };
    }

    static Distribution uniform(long minNanos, long maxNanos) {
        if (minNanos < 0 || maxNanos < minNanos) throw new IllegalArgumentException("need 0 <= min <= max, got " + minNanos + ", " + maxNanos);
        return new Distribution() {
            @Override public long sampleNanos(SplittableRandom random) {
                return minNanos == maxNanos ? minNanos : minNanos + random.nextLong(maxNanos - minNanos + 1);
            }
            @Override public String toString() { return String.format(Locale.ROOT, "uniform %.3f..%.3f ms", minNanos / 1e6, maxNanos / 1e6); }
        };
    }

    /** Exponential with the given mean, capped at 100 x the mean so one sample cannot stall a run. */
    static Distribution exponential(long meanNanos) {
        if (meanNanos <= 0) throw new IllegalArgumentException("the mean must be > 0, got " + meanNanos);
        return new Distribution() {
            @Override public long sampleNanos(SplittableRandom random) {
                double sample = -Math.log(1.0 - random.nextDouble()) * meanNanos;
                return (long) Math.min(sample, 100.0 * meanNanos);
            }
            @Override public String toString() { return String.format(Locale.ROOT, "exponential mean %.3f ms", meanNanos / 1e6); }
        };
    }
}
