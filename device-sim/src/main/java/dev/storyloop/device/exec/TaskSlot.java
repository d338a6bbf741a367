package dev.storyloop.device.exec;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * One entry of the executor's fixed task pool.
 *
 * <p>The state word packs the slot's generation (high 32 bits) with two flags, so a wake from any
 * thread can check "same task, still alive, not yet queued" and set "queued" in one CAS:
 * <pre>
 *   free ──spawn──▶ SPAWNED|RUN_QUEUED ──dequeue──▶ SPAWNED (polled) ──wake──▶ SPAWNED|RUN_QUEUED
 *                                                        │ READY
 *                                  ┌─────────────────────┴────────────────────┐
 *                          not queued: free, generation+1        queued: RUN_QUEUED only (a zombie),
 *                                                                freed when its queue entry is reached
 * </pre>
 * A task is in the run queue at most once, so the queues never hold more entries than slots.
 */
final class TaskSlot implements TaskView {
    static final long SPAWNED = 1L;
    static final long RUN_QUEUED = 2L;
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
    Context context;
    Waker waker;
    JoinHandle<?> handle;
    Object waitingOn;
    boolean running;
    long polls;
    long sinceNanos;
    volatile long wokenAtNanos;

    TaskSlot(int index) {
        this.index = index;
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
    @Override public Object waitingOn() { return waitingOn; }
    @Override public int wakerHolders() { return waker == null ? 0 : waker.holders(); }
    @Override public long polls() { return polls; }
    @Override public long sinceNanos() { return sinceNanos; }

    @Override
    public State state() {
        if (running) return State.RUNNING;
        return (word() & RUN_QUEUED) != 0 ? State.RUNNABLE : State.PENDING;
    }

    @Override
    public String toString() {
        return name + "#" + index + "." + generation();
    }
}
