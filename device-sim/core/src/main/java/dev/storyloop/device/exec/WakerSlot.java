package dev.storyloop.device.exec;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * Holds the waker of the one task waiting on something; waking takes it out.
 *
 * <p>The place every primitive keeps a waiting task's waker (a timer, a channel waiter, an
 * interrupt line from another thread), so the diagnostics can tell a task that will be woken
 * from one that never will. Registering again replaces the previous waker; a replaced waker that
 * belonged to another task loses its registration, which the lost-waker check then sees.
 */
public final class WakerSlot {
    // The registered waker, swapped atomically through WAKER: a field and a VarHandle rather than an
    // AtomicReference, whose 16 bytes in each of a device's 26 slots were 0.4 kB of every simulated device.
    private volatile Waker waker;
    private static final VarHandle WAKER;

    static {
        try {
            WAKER = MethodHandles.lookup().findVarHandle(WakerSlot.class, "waker", Waker.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private Waker swap(Waker next) {
        return (Waker) WAKER.getAndSet(this, next);
    }

    /** Registers the polling task's waker; call it in {@code poll} before returning {@link Poll#PENDING}. */
    public void register(Context cx) {
        register(cx.waker());
    }

    public void register(Waker next) {
        // Count the reference before publishing it: another thread may take it out and release it at once.
        next.retain();
        Waker previous = swap(next);
        if (previous != null) previous.release();
    }

    /** Wakes the registered task, if any, and empties the slot; on the task's loop thread only ({@link Waker#wake()}). */
    public boolean wake(WakeSource source) {
        Waker registered = swap(null);
        if (registered == null) return false;
        registered.wake(source); // wake before release: the task is never unqueued and unheld at once
        registered.release();
        return true;
    }

    /** Wakes the registered task, if any, and empties the slot; from any thread ({@link Waker#interrupt()}). */
    public boolean interrupt() {
        Waker registered = swap(null);
        if (registered == null) return false;
        registered.interrupt(); // queued before released, as in wake
        registered.release();
        return true;
    }

    /** Wakes the registered task, if any, and empties the slot; see {@link Waker#wakeFromAnyThread}. */
    public boolean wakeFromAnyThread(WakeSource source) {
        Waker registered = swap(null);
        if (registered == null) return false;
        registered.wakeFromAnyThread(source);
        registered.release();
        return true;
    }

    /** Withdraws the registration without waking (the waiter was cancelled). */
    public void clear() {
        Waker registered = swap(null);
        if (registered != null) registered.release();
    }

    public boolean isRegistered() {
        return waker != null;
    }
}
