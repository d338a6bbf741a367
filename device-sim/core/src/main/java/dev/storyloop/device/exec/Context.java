package dev.storyloop.device.exec;

import dev.storyloop.device.time.TimerQueue;

/**
 * What a future sees while it is polled: its task's waker, the loop's time and timers.
 *
 * <p>The context is the task's slot in the executor's pool itself ({@link TaskSlot}, the only
 * subclass), seen through this narrower face: a poll hands the future the object the loop already
 * holds, not one more per task to fetch from memory (in a simulated fleet every device's slots are
 * cold when its turn comes). So a context is valid during its task's polls only; a future must not
 * keep it beyond them (the slot is reused by the next task spawned into it). Futures tell it what
 * they wait on ({@link #waitingOn(Object)}) so a stuck task can say "waiting on capacity of channel
 * 'uplink'" in a dump, the way a thread dump names a lock.
 */
public abstract sealed class Context permits TaskSlot {
    final Executor executor;
    Waker waker; // the waker of the task in the slot, made at its spawn

    Context(Executor executor) {
        this.executor = executor;
    }

    /**
     * The task's waker. A future that keeps it (rather than registering it in a {@link WakerSlot})
     * must {@link Waker#retain()} it while kept, or the lost-waker check cannot see the holder.
     */
    public final Waker waker() {
        return waker;
    }

    final TaskSlot task() {
        return (TaskSlot) this;
    }

    /** The loop's current time in nanoseconds (virtual or real, as the executor was built). */
    public final long nowNanos() {
        return executor.nowNanos();
    }

    public final TimerQueue timers() {
        return executor.timers();
    }

    public final Executor executor() {
        return executor;
    }

    /** Starts further tasks on this task's executor. */
    public final Spawner spawner() {
        return executor;
    }

    public final String taskName() {
        return task().name();
    }

    /**
     * Records what the task now waits for. The object's {@code toString} is read only when a
     * report or dump is printed, so pass a long-lived object (the channel, the timer), not a new string.
     */
    public final void waitingOn(Object what) {
        task().waitingOn = what;
    }

    /** What the task said it waits on so far in this poll (a wrapper reads it to chain its inner future's wait). */
    public final Object waitingOn() {
        return task().waitingOn;
    }

    /** Tells the observers that the task dropped {@code what} before it finished (select, timeout). */
    public final void cancelled(Object what) {
        executor.note(task(), "cancel", WakeSource.nameOf(what));
    }

    final void withdrawn(Registration r) {
        executor.note(task(), "withdraw", WakeSource.nameOf(r.subject()));
    }

    /** Tells the observers about a notable moment, e.g. "chan.full" of channel "uplink". */
    public final void note(String kind, WakeSource subject) {
        executor.note(task(), kind, subject.wakeSourceName());
    }
}
