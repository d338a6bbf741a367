package dev.storyloop.device.exec;

import java.util.concurrent.locks.LockSupport;

/**
 * How a wake from another thread reaches a parked loop: the loop's thread and whether it is parked.
 *
 * <p>The loop sets {@link #parked} and then looks at its interrupt queues once more before it parks;
 * a waking thread offers to the queue and then reads {@link #parked}. Both are volatile, so at least
 * one of the two sees the other's write, and a wake is never slept through.
 */
final class LoopSignal {
    volatile Thread thread;
    volatile boolean parked;

    /** Unparks the loop when it is parked (or about to be: an unpark before a park makes the park return). */
    void wakeUp() {
        if (!parked) return;
        Thread loop = thread;
        if (loop != null) LockSupport.unpark(loop);
    }
}
