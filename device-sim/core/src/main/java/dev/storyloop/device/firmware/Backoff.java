package dev.storyloop.device.firmware;

import java.util.SplittableRandom;

/**
 * Reconnect delays: exponential, capped, and with full jitter a uniform draw below the cap.
 *
 * <p>Attempt {@code n} (from 0) may wait up to {@code min(cap, base * 2^n)}. With full jitter the
 * delay is drawn uniformly from {@code [0, that]}, so a fleet that lost its broker at the same
 * instant spreads its reconnects over the window instead of arriving together; without jitter
 * every device waits exactly that long, which is the stampede a story shows. The generator is
 * seeded per device, so a simulated fleet's reconnects are reproducible.
 */
public final class Backoff {
    private static final int DOUBLINGS_MAX = 62; // base * 2^n stops doubling long before a long overflows

    private final long baseNanos;
    private final long capNanos;
    private final boolean jitter;
    private final SplittableRandom random;
    private int attempt;

    public Backoff(long baseNanos, long capNanos, boolean jitter, long seed) {
        if (baseNanos <= 0) throw new IllegalArgumentException("base must be > 0");
        if (capNanos < baseNanos) throw new IllegalArgumentException("cap must be >= base");
        this.baseNanos = baseNanos;
        this.capNanos = capNanos;
        this.jitter = jitter;
        this.random = new SplittableRandom(seed);
    }

    /** The delay before the next attempt; each call counts one more failed attempt. */
    public long nextDelayNanos() {
        long ceiling = ceilingNanos(attempt);
        if (attempt < DOUBLINGS_MAX) attempt++;
        return jitter ? random.nextLong(ceiling + 1) : ceiling;
    }

    /** The largest delay attempt {@code n} can draw. */
    public long ceilingNanos(int n) {
        long ceiling = baseNanos;
        for (int i = 0; i < n && ceiling < capNanos; i++) ceiling = ceiling > capNanos / 2 ? capNanos : ceiling * 2;
        return Math.min(ceiling, capNanos);
    }

    /** A connection held: the next loss starts again from the base. */
    public void reset() {
        attempt = 0;
    }

    public int attempt() {
        return attempt;
    }
}
