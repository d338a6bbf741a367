package dev.storyloop.device.exec;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * A handle that makes one task runnable again; it is just a reference to the task's slot.
 *
 * <p>Callable from any thread (an "interrupt"), idempotent while the task is already queued, and
 * harmless once the task has finished or its slot was reused: the waker carries the slot's
 * generation and the executor ignores it when they differ. Sharing a waker is sharing the
 * reference; one is made per spawned task, none per poll.
 *
 * <p>The waker also counts how many holders keep it to wake the task later. A pending task whose
 * waker nobody holds, and which is not queued, can never run again: that is the lost-waker report.
 * {@link WakerSlot} counts itself; any other future or primitive that keeps {@code cx.waker()} in a
 * field of its own takes part by calling {@link #retain()} when it stores the waker and
 * {@link #release()} when it lets go of it (after waking it, or when it is cancelled). A kept waker
 * that was not retained is invisible to the check, which then reports the task as lost although
 * the wake may still come.
 */
public final class Waker {
    final Executor executor;
    final int slot;
    final int generation;
    private final AtomicInteger holders = new AtomicInteger();

    Waker(Executor executor, int slot, int generation) {
        this.executor = executor;
        this.slot = slot;
        this.generation = generation;
    }

    public void wake() {
        executor.wake(this, WakeSource.DIRECT);
    }

    /** Wakes the task naming what woke it, for traces and the self-wake statistics. */
    public void wake(WakeSource source) {
        executor.wake(this, source);
    }

    /** Counts one more holder: call it when you store this waker to wake the task later. */
    public void retain() {
        holders.incrementAndGet();
    }

    /** Counts one holder less: call it once per {@link #retain()}, after waking or when giving up the waker. */
    public void release() {
        int left = holders.decrementAndGet();
        assert left >= 0 : "waker released more often than retained";
    }

    /** How many registrations (wait queues, timers, interrupt slots) could still wake this task. */
    public int holders() {
        return holders.get();
    }
}
