package dev.storyloop.device.hal;

import dev.storyloop.device.exec.Context;
import dev.storyloop.protocol.Authenticator;

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

    /**
     * The HMAC the firmware signs its token requests with: libcrypto's on real hardware (a synchronous C call, which
     * is why the token refresh story exists), the pure-Java one in the simulated world (same tags; the time the C call
     * would take is spent by {@link #blockFor} or {@link #offload}, not by the authenticator).
     */
    Authenticator tokenAuthenticator(byte[] key);

    /** Stops the worker thread and releases the GPIO lines. */
    @Override
    void close();
}
