package dev.storyloop.device.exec;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A handle that makes one task runnable again; it is just a reference to the task's slot.
 *
 * <p>Two ways to wake, chosen by the caller, never guessed: {@link #wake()} on the executor's loop
 * thread (a timer, a channel, another task; checked, and a loud error from any other thread), and
 * {@link #interrupt()} from any thread (a Paho callback, a GPIO edge: an "interrupt"). Both are
 * idempotent while the task is already queued, and harmless once the task has finished or its slot was reused: the waker carries the slot's
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
    // Counted atomically through HOLDERS (a field, not an AtomicInteger: one object less per task).
    @SuppressWarnings("unused") // accessed through HOLDERS
    private volatile int holders;
    private static final VarHandle HOLDERS;

    static {
        try {
            HOLDERS = MethodHandles.lookup().findVarHandle(Waker.class, "holders", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    Waker(Executor executor, int slot, int generation) {
        this.executor = executor;
        this.slot = slot;
        this.generation = generation;
    }

    /** Wakes the task from its executor's loop thread; from any other thread it fails, naming both threads. */
    public void wake() {
        executor.wake(this, WakeSource.DIRECT);
    }

    /** Wakes the task from its loop thread naming what woke it, for traces and the self-wake statistics. */
    public void wake(WakeSource source) {
        executor.wake(this, source);
    }

    /**
     * Wakes the task from any thread, through the executor's interrupt queue: the loop takes the wake
     * in at its next batch (traced as {@link WakeSource#INTERRUPT}) and a parked loop is unparked.
     */
    public void interrupt() {
        executor.interrupt(this);
    }

    /**
     * For a callback whose thread depends on the world it runs in (a board's completion, a signal
     * raised by a GPIO edge: the loop thread when simulated, a worker thread live): the local path on
     * the loop thread, {@link #interrupt()} on any other. Say so only where both are right; everywhere
     * else {@link #wake(WakeSource)} keeps a wrong thread loud.
     */
    public void wakeFromAnyThread(WakeSource source) {
        if (Thread.currentThread() == executor.boundThread()) executor.wake(this, source);
        else executor.interrupt(this);
    }

    /** Counts one more holder: call it when you store this waker to wake the task later. */
    public void retain() {
        HOLDERS.getAndAdd(this, 1);
    }

    /** Counts one holder less: call it once per {@link #retain()}, after waking or when giving up the waker. */
    public void release() {
        int left = (int) HOLDERS.getAndAdd(this, -1) - 1;
        assert left >= 0 : "waker released more often than retained";
        if (left == 0) executor.holdersGone(slot);
    }

    /** How many registrations (wait queues, timers, interrupt slots) could still wake this task. */
    public int holders() {
        return holders;
    }
}
