package dev.storyloop.device.hal;

import dev.storyloop.device.exec.Context;

/**
 * What differs between a device in the simulated world and one on real hardware, behind one interface.
 *
 * <p>The firmware never asks which world it is in. It asks the board to spend time inside a
 * synchronous C call on the loop thread ({@link #blockFor}), to run such a call off the loop
 * ({@link #offload}), and for its GPIO. The simulated board spends virtual time and runs offloaded
 * work on the executor's timers; the live board really blocks and has a worker thread.
 */
public interface Board extends AutoCloseable {

    /** Blocks the calling thread (the loop) for {@code nanos}, as a synchronous C call that takes that long does. */
    void blockFor(Context cx, long nanos);

    /**
     * Runs {@code job} away from the loop, taking {@code workNanos}, then calls {@code done}.
     *
     * <p>{@code done} may run on another thread (the live board's worker): it must only set state
     * the waiting future reads and wake that future. Returns false, counted by the board, when the
     * worker's bounded queue is full; the caller tries again later.
     */
    boolean offload(Context cx, long workNanos, Runnable job, Runnable done);

    /** How many offload requests found the worker's queue full. */
    long offloadRejected();

    Gpio gpio();

    /** Stops the worker thread and releases the GPIO lines. */
    @Override
    void close();
}
