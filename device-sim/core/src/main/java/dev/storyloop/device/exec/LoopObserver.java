package dev.storyloop.device.exec;

/**
 * Receives every event of the loop: the hook for diagnostics and traces.
 *
 * <p>Called on the loop thread only (wakes from other threads are reported when the loop takes
 * them off the interrupt queue), so an observer needs no locks. The default methods do nothing.
 */
public interface LoopObserver {
    LoopObserver NONE = new LoopObserver() {};

    default void onSpawn(TaskView task, long nowNanos) {}

    default void onWake(TaskView task, WakeSource source, boolean self, long nowNanos) {}

    /** A task is about to be polled; {@code wokenAtNanos} is when its wake arrived. */
    default void onPollStart(TaskView task, long wokenAtNanos, long nowNanos) {}

    default void onPollEnd(TaskView task, Poll result, long startNanos, long endNanos) {}

    /** The task finished: normally, failed with {@code failure}, or was aborted ({@code aborted}). */
    default void onComplete(TaskView task, Throwable failure, boolean aborted, long nowNanos) {}

    default void onTimersFired(int count, long nowNanos) {}

    /** Something worth a trace line: a cancellation, a full channel, a dropped item. */
    default void onNote(TaskView task, String kind, String subject, long nowNanos) {}

    /** Nothing is runnable; the loop is about to park or jump to the next deadline. */
    default void onIdle(Executor executor, long nowNanos) {}

    /**
     * True when this observer's {@link #onIdle} must run at every idle turn even if nothing in the
     * executor changed since the last one (no task polled, no waker let go of, no counted close):
     * a loop that knows nothing changed may then skip telling it. Asked right after {@code onIdle}.
     */
    default boolean looksAtEveryIdle() {
        return false;
    }

    /** Both observers, in order. */
    static LoopObserver both(LoopObserver first, LoopObserver second) {
        if (first == NONE) return second;
        if (second == NONE) return first;
        return new LoopObserver() {
            @Override public void onSpawn(TaskView task, long now) { first.onSpawn(task, now); second.onSpawn(task, now); }
            @Override public void onWake(TaskView task, WakeSource source, boolean self, long now) {
                first.onWake(task, source, self, now);
                second.onWake(task, source, self, now);
            }
            @Override public void onPollStart(TaskView task, long wokenAt, long now) {
                first.onPollStart(task, wokenAt, now);
                second.onPollStart(task, wokenAt, now);
            }
            @Override public void onPollEnd(TaskView task, Poll result, long start, long end) {
                first.onPollEnd(task, result, start, end);
                second.onPollEnd(task, result, start, end);
            }
            @Override public void onComplete(TaskView task, Throwable failure, boolean aborted, long now) {
                first.onComplete(task, failure, aborted, now);
                second.onComplete(task, failure, aborted, now);
            }
            @Override public void onTimersFired(int count, long now) { first.onTimersFired(count, now); second.onTimersFired(count, now); }
            @Override public void onNote(TaskView task, String kind, String subject, long now) {
                first.onNote(task, kind, subject, now);
                second.onNote(task, kind, subject, now);
            }
            @Override public void onIdle(Executor executor, long now) { first.onIdle(executor, now); second.onIdle(executor, now); }
            @Override public boolean looksAtEveryIdle() { return first.looksAtEveryIdle() || second.looksAtEveryIdle(); }
        };
    }
}
