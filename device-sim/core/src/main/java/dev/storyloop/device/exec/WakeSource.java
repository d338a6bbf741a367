package dev.storyloop.device.exec;

/**
 * Something that wakes tasks (a timer, a channel, an interrupt line), named for traces.
 *
 * <p>Names must not depend on identity hash codes or addresses: traces of equal runs are equal.
 */
public interface WakeSource {
    String wakeSourceName();

    /** Wakes that came from another thread through the interrupt queue. */
    WakeSource INTERRUPT = () -> "interrupt";
    /** Wakes through {@link Waker#wake()} with no source named. */
    WakeSource DIRECT = () -> "direct";
    /** A newly spawned task's first poll. */
    WakeSource SPAWN = () -> "spawn";

    static String nameOf(Object source) {
        if (source instanceof WakeSource) return ((WakeSource) source).wakeSourceName();
        return source == null ? "direct" : source.getClass().getSimpleName();
    }
}
