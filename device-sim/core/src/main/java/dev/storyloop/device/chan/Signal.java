package dev.storyloop.device.chan;

import dev.storyloop.device.exec.Context;
import dev.storyloop.device.exec.Future;
import dev.storyloop.device.exec.Poll;
import dev.storyloop.device.exec.WakeSource;
import dev.storyloop.device.exec.WakerSlot;

import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A single-value hand-off to one waiting task: the latest value wins, older ones are overwritten (counted).
 *
 * <p>{@link #signal} may be called from any thread, which makes a signal the way an interrupt
 * handler (a Paho callback, a GPIO edge) hands a value to the loop.
 */
public final class Signal<T> implements WakeSource {
    private final String name;
    private final String sourceName; // made once: traces name the source on every wake
    private final AtomicReference<T> value = new AtomicReference<>();
    private final WakerSlot waiter = new WakerSlot();
    private final WaitFuture future = new WaitFuture();
    private volatile long overwritten;

    public Signal(String name) {
        this.name = Objects.requireNonNull(name, "name");
        this.sourceName = ("signal:" + name).intern(); // one instance for a fleet's devices, as Channel's labels
    }

    /** Sets the value (replacing an unread one) and wakes the waiter. Any thread. */
    public void signal(T next) {
        Objects.requireNonNull(next, "value");
        if (value.getAndSet(next) != null) overwritten++; // loses a count only if two threads race; never a value
        waiter.wakeFromAnyThread(this); // the loop thread (simulated) or an interrupt handler's (live)
    }

    /** Takes the value if one is there. */
    public T tryTake() {
        return value.getAndSet(null);
    }

    /** A future for the next value (reused: one waiter at a time). */
    public Future<T> await() {
        future.taken = null;
        return future;
    }

    public long overwritten() {
        return overwritten;
    }

    @Override
    public String wakeSourceName() {
        return sourceName;
    }

    @Override
    public String toString() {
        return "signal '" + name + "'";
    }

    private final class WaitFuture implements Future<T> {
        T taken;

        @Override
        public Poll poll(Context cx) {
            T current = value.getAndSet(null);
            if (current != null) {
                taken = current;
                return Poll.READY;
            }
            waiter.register(cx);
            // A value that arrived between the check and the registration must not be missed.
            current = value.getAndSet(null);
            if (current != null) {
                waiter.clear();
                taken = current;
                return Poll.READY;
            }
            cx.waitingOn(Signal.this);
            return Poll.PENDING;
        }

        @Override
        public T output() {
            return taken;
        }

        @Override
        public void cancel() {
            waiter.clear();
        }
    }
}
