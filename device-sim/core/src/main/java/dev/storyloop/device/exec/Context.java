package dev.storyloop.device.exec;

import dev.storyloop.device.time.TimerQueue;

/**
 * What a future sees while it is polled: its task's waker, the loop's time and timers.
 *
 * <p>One context per task, made at spawn and reused for every poll. Futures tell it what they
 * wait on ({@link #waitingOn(Object)}) so a stuck task can say "waiting on capacity of channel
 * 'uplink'" in a dump, the way a thread dump names a lock.
 */
public final class Context {
    private final Executor executor;
    private final TaskSlot task;
    private final Waker waker;

    Context(Executor executor, TaskSlot task, Waker waker) {
        this.executor = executor;
        this.task = task;
        this.waker = waker;
    }

    /**
     * The task's waker. A future that keeps it (rather than registering it in a {@link WakerSlot})
     * must {@link Waker#retain()} it while kept, or the lost-waker check cannot see the holder.
     */
    public Waker waker() {
        return waker;
    }

    TaskSlot task() {
        return task;
    }

    /** The loop's current time in nanoseconds (virtual or real, as the executor was built). */
    public long nowNanos() {
        return executor.nowNanos();
    }

    public TimerQueue timers() {
        return executor.timers();
    }

    public Executor executor() {
        return executor;
    }

    /** Starts further tasks on this task's executor. */
    public Spawner spawner() {
        return executor;
    }

    public String taskName() {
        return task.name();
    }

    /**
     * Records what the task now waits for. The object's {@code toString} is read only when a
     * report or dump is printed, so pass a long-lived object (the channel, the timer), not a new string.
     */
    public void waitingOn(Object what) {
        task.waitingOn = what;
    }

    /** What the task said it waits on so far in this poll (a wrapper reads it to chain its inner future's wait). */
    public Object waitingOn() {
        return task.waitingOn;
    }

    /** Tells the observers that the task dropped {@code what} before it finished (select, timeout). */
    public void cancelled(Object what) {
        executor.note(task, "cancel", WakeSource.nameOf(what));
    }

    void withdrawn(Registration r) {
        executor.note(task, "withdraw", WakeSource.nameOf(r.subject()));
    }

    /** Tells the observers about a notable moment, e.g. "chan.full" of channel "uplink". */
    public void note(String kind, WakeSource subject) {
        executor.note(task, kind, subject.wakeSourceName());
    }
}
