package dev.storyloop.device.exec;

import java.util.concurrent.atomic.AtomicReference;

/**
 * Holds the waker of the one task waiting on something; waking takes it out.
 *
 * <p>The place every primitive keeps a waiting task's waker (a timer, a channel waiter, an
 * interrupt line from another thread), so the diagnostics can tell a task that will be woken
 * from one that never will. Registering again replaces the previous waker; a replaced waker that
 * belonged to another task loses its registration, which the lost-waker check then sees.
 */
public final class WakerSlot {
    private final AtomicReference<Waker> waker = new AtomicReference<>();

    /** Registers the polling task's waker; call it in {@code poll} before returning {@link Poll#PENDING}. */
    public void register(Context cx) {
        register(cx.waker());
    }

    public void register(Waker next) {
        // Count the reference before publishing it: another thread may take it out and release it at once.
        next.retain();
        Waker previous = waker.getAndSet(next);
        if (previous != null) previous.release();
    }

    /** Wakes the registered task, if any, and empties the slot; on the task's loop thread only ({@link Waker#wake()}). */
    public boolean wake(WakeSource source) {
        Waker registered = waker.getAndSet(null);
        if (registered == null) return false;
        registered.wake(source); // wake before release: the task is never unqueued and unheld at once
        registered.release();
        return true;
    }

    /** Wakes the registered task, if any, and empties the slot; from any thread ({@link Waker#interrupt()}). */
    public boolean interrupt() {
        Waker registered = waker.getAndSet(null);
        if (registered == null) return false;
        registered.interrupt(); // queued before released, as in wake
        registered.release();
        return true;
    }

    /** Wakes the registered task, if any, and empties the slot; see {@link Waker#wakeFromAnyThread}. */
    public boolean wakeFromAnyThread(WakeSource source) {
        Waker registered = waker.getAndSet(null);
        if (registered == null) return false;
        registered.wakeFromAnyThread(source);
        registered.release();
        return true;
    }

    /** Withdraws the registration without waking (the waiter was cancelled). */
    public void clear() {
        Waker registered = waker.getAndSet(null);
        if (registered != null) registered.release();
    }

    public boolean isRegistered() {
        return waker.get() != null;
    }
}
