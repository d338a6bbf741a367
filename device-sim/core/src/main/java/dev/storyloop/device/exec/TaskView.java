package dev.storyloop.device.exec;

/** A read-only look at one live task, for diagnostics, dumps and traces. */
public interface TaskView {

    enum State {
        /** Queued to be polled. */
        RUNNABLE,
        /** Being polled right now. */
        RUNNING,
        /** Returned PENDING and waits for a wake. */
        PENDING
    }

    String name();

    /** The slot index in the executor's task pool. */
    int slot();

    /** How many tasks used this slot before; the pair (slot, generation) names a task uniquely. */
    int generation();

    State state();

    /** What the task said it waits on in its last poll, or null. */
    Object waitingOn();

    /** How many registrations could wake the task (see {@link Waker#holders()}). */
    int wakerHolders();

    long polls();

    /** When the task last changed state, on the executor's clock. */
    long sinceNanos();
}
