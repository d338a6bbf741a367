package dev.storyloop.device.time;

/**
 * Simulated time: it stands still while there is work and jumps to the next deadline when there is none.
 *
 * <p>Owned by one thread (the simulation's). {@link #spend(long)} models CPU time a poll uses
 * (a blocking native call, say), so a "long poll" is as visible in simulation as it is live.
 */
public final class VirtualClock implements Clock {
    private long nowNanos;

    public VirtualClock() {
        this(0);
    }

    public VirtualClock(long startNanos) {
        if (startNanos < 0) throw new IllegalArgumentException("startNanos < 0: " + startNanos);
        this.nowNanos = startNanos;
    }

    @Override
    public long nanos() {
        return nowNanos;
    }

    @Override
    public boolean isVirtual() {
        return true;
    }

    /** Moves time forward to {@code deadlineNanos}; a deadline in the past leaves it where it is. */
    public void advanceTo(long deadlineNanos) {
        if (deadlineNanos > nowNanos) nowNanos = deadlineNanos;
    }

    /** Time passes while the loop is busy, e.g. inside a synchronous native call. */
    public void spend(long durationNanos) {
        if (durationNanos < 0) throw new IllegalArgumentException("durationNanos < 0: " + durationNanos);
        nowNanos += durationNanos;
    }
}
