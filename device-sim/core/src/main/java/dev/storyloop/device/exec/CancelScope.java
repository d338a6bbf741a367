package dev.storyloop.device.exec;

/**
 * The part of a task that one child future owns, so a combinator can drop the child and everything
 * it left waiting at once.
 *
 * <p>A combinator {@linkplain #enter enters} the child's scope around each poll of the child and
 * {@linkplain #exit exits} after it; every {@link Registration} enlisted meanwhile belongs to the
 * scope, and to the scopes around it. {@link #cancel()} withdraws them all: the losing branches of
 * {@link Select}, the inner future of a {@link Timeout}, whatever a hand-written wrapper in between
 * did or did not forward. Make one per child when the combinator is made; entering allocates nothing.
 */
public final class CancelScope {
    CancelScope parent;
    TaskSlot task;

    /** Makes this scope the polling task's current one, inside the scope current until now. */
    public void enter(Context cx) {
        TaskSlot owner = cx.task();
        assert owner.scope != this : "cancel scope entered twice";
        parent = owner.scope;
        task = owner;
        owner.scope = this;
    }

    /** Returns to the scope that was current when {@link #enter} ran. */
    public void exit(Context cx) {
        TaskSlot owner = cx.task();
        assert owner.scope == this : "cancel scope exited out of order";
        owner.scope = parent;
    }

    /** Withdraws every registration still enlisted in this scope or a scope inside it; returns how many. */
    public int cancel() {
        TaskSlot owner = task;
        if (owner == null) return 0;
        return owner.withdrawWithin(this);
    }

    boolean contains(CancelScope inner) {
        for (CancelScope s = inner; s != null; s = s.parent) if (s == this) return true;
        return false;
    }
}
