package dev.storyloop.device.time;

/**
 * One entry of a {@link TimerQueue}: a deadline and what to do when it passes.
 *
 * <p>The owner (a sleep future, a keepalive) allocates its timer once and re-arms it, so a timer
 * costs no allocation per use. A timer is in at most one queue at a time.
 */
public abstract class Timer {
    long deadlineNanos;
    long sequence;     // ties break in arming order, so equal deadlines fire deterministically
    int heapIndex = -1; // its place in the queue's heap (>= 0), or in one of its runs (<= -2, see TimerQueue); -1: not armed

    /** Called by {@link TimerQueue#fire} once the deadline has passed; the timer is no longer armed. */
    protected abstract void onFire(long nowNanos);

    public final boolean isArmed() {
        return heapIndex != -1;
    }

    public final long deadlineNanos() {
        return deadlineNanos;
    }
}
