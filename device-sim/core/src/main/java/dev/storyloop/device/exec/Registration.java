package dev.storyloop.device.exec;

/**
 * Something a waiting future left outside itself (a wait-list entry, an armed timer, a held
 * waker), recorded with its task so that it is withdrawn when the future is dropped, even when no
 * wrapper forwarded {@link Future#cancel()}.
 *
 * <p>Rust withdraws such registrations in the destructor of the future that made them, which the
 * compiler runs for every child of a dropped future. Java has no destructors, so a primitive
 * {@linkplain #enlist enlists} its registration with the polling task when it starts waiting and
 * {@linkplain #delist delists} it when it stops. Whatever is still enlisted when its
 * {@link CancelScope} is cancelled (a select's losing branch, a timed-out inner future) or when
 * its task finishes, fails or is aborted, is {@linkplain #withdraw withdrawn} by the executor.
 *
 * <p>Make one per primitive future, when the future is made: enlisting links the object itself into
 * the task's list and allocates nothing. Loop thread only.
 */
public abstract class Registration {
    private final WakeSource subject;
    Registration previous;
    Registration next;
    TaskSlot task;
    CancelScope scope;

    /** {@code subject} names the resource in the loop's trace when a forgotten registration is withdrawn. */
    protected Registration(WakeSource subject) {
        this.subject = subject;
    }

    /** Records this registration with the task polling now, under its current cancel scope. */
    public final void enlist(Context cx) {
        TaskSlot owner = cx.task();
        if (task == owner) return; // still enlisted from an earlier poll: keeps the scope it had then
        if (task != null) delist();
        owner.enlist(this, owner.scope);
    }

    /** Forgets this registration; call it when the future stops waiting (done or cancelled). */
    public final void delist() {
        if (task != null) task.delist(this);
    }

    public final boolean isEnlisted() {
        return task != null;
    }

    public final WakeSource subject() {
        return subject;
    }

    /**
     * Undoes what the future registered, as its {@code cancel()} would. Called at most once per
     * enlistment, after the executor has delisted it; the future that made it is not polled again.
     */
    protected abstract void withdraw();
}
