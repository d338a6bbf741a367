package dev.storyloop.device.exec;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * One entry of the executor's fixed task pool.
 *
 * <p>Two flags say the task is queued to run, one per queue, so that the loop's own path needs
 * no atomic instruction:
 * <ul>
 *   <li>{@code localQueued}, a plain field of the loop thread: set by a wake on the loop thread
 *       (a task waking itself, a channel handing over an item), cleared when the loop takes the
 *       task off the run queue;</li>
 *   <li>{@link #REMOTE_QUEUED}, in the atomic state word with the slot's generation (high 32 bits)
 *       and {@link #SPAWNED}: set by a CAS from another thread ("same task, still alive, not yet
 *       queued") before it puts the slot on the interrupt queue, cleared when the loop drains it.</li>
 * </ul>
 * Each flag admits at most one entry in its queue, so neither queue can hold more entries than
 * there are slots.
 * <pre>
 *   free ──spawn──▶ SPAWNED, localQueued ──dequeue──▶ SPAWNED (polled) ──wake──▶ SPAWNED + a queued flag
 *                                                        │ READY
 *                                   ┌────────────────────┴───────────────────┐
 *                   no flag set: free, generation+1           a flag set: a zombie, freed when the
 *                                                             loop reaches its last queue entry
 * </pre>
 */
final class TaskSlot extends Context implements TaskView {
    static final long SPAWNED = 1L;
    static final long REMOTE_QUEUED = 2L;
    private static final VarHandle STATE;

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(TaskSlot.class, "state", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    final int index;
    @SuppressWarnings("unused") // accessed through STATE
    private volatile long state;

    // Loop-thread fields, valid while the slot is spawned.
    String name;
    Future<?> future;
    JoinHandle<?> handle;
    Object waitingOn;
    boolean running;
    boolean localQueued;
    long polls;
    long sinceNanos;
    // Written by the waking thread after its CAS won and before the interrupt queue publishes the
    // slot (a loop-thread wake writes it itself), so a plain field is enough: no fence per wake.
    long wokenAtNanos;
    // What the task's futures left waiting (intrusive, newest first), and the cancel scope being polled in.
    Registration registrations;
    CancelScope scope;
    // What the task waited on before its current poll, kept for the report when that poll throws.
    Object waitedOnBefore;

    TaskSlot(Executor executor, int index) {
        super(executor);
        this.index = index;
    }

    void enlist(Registration r, CancelScope in) {
        r.task = this;
        r.scope = in;
        r.previous = null;
        r.next = registrations;
        if (registrations != null) registrations.previous = r;
        registrations = r;
    }

    void delist(Registration r) {
        assert r.task == this : "registration delisted from another task";
        if (r.previous == null) registrations = r.next; else r.previous.next = r.next;
        if (r.next != null) r.next.previous = r.previous;
        r.previous = null;
        r.next = null;
        r.task = null;
        r.scope = null;
    }

    /** Withdraws the registrations in {@code within} (all of them when null); returns how many. */
    int withdrawWithin(CancelScope within) {
        int withdrawn = 0;
        // A withdrawal may delist others of this task (a cancel forwarded late), so restart from the head.
        Registration r = registrations;
        while (r != null) {
            if (within == null || within.contains(r.scope)) {
                delist(r);
                r.withdraw();
                withdrawn++;
                withdrawn(r);
                r = registrations;
            } else {
                r = r.next;
            }
        }
        return withdrawn;
    }

    static int generationOf(long state) {
        return (int) (state >>> 32);
    }

    static long stateOf(int generation, long flags) {
        return ((long) generation << 32) | flags;
    }

    long word() {
        return (long) STATE.getVolatile(this);
    }

    boolean casWord(long expected, long next) {
        return STATE.compareAndSet(this, expected, next);
    }

    void setWord(long next) {
        STATE.setVolatile(this, next);
    }

    @Override public String name() { return name; }
    @Override public int slot() { return index; }
    @Override public int generation() { return generationOf(word()); }
    @Override public int wakerHolders() { return waker == null ? 0 : waker.holders(); }
    @Override public long polls() { return polls; }
    @Override public long sinceNanos() { return sinceNanos; }

    @Override
    public State state() {
        if (running) return State.RUNNING;
        return localQueued || (word() & REMOTE_QUEUED) != 0 ? State.RUNNABLE : State.PENDING;
    }

    @Override
    public String toString() {
        return name + "#" + index + "." + generation();
    }
}
