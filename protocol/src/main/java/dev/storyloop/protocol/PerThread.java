package dev.storyloop.protocol;

import java.util.function.Supplier;

/**
 * A value of each thread, as {@link ThreadLocal}, that finds the last thread's value again without the thread's map.
 *
 * <p>A simulated fleet encodes and checks every frame on one thread; a {@code ThreadLocal} looks the value up in that
 * thread's map each time (a hash, a weak reference and its check), which JFR put at 7 % of a reading's cost in a
 * warm fleet. Here the last thread's value is kept with its owner: the same thread again gets it after one
 * comparison. Another thread sees the owner differ and takes its own from the {@code ThreadLocal}; the pair is
 * immutable, so a thread that reads another's pair still sees its owner right, and never uses another's value.
 * The last pair keeps its thread and value reachable until another thread asks: one thread's scratch at most.
 */
final class PerThread<T> {
    private record Owned<T>(Thread owner, T value) {}

    private final ThreadLocal<Owned<T>> local;
    private Owned<T> last; // racy on purpose: any thread's pair is safe to read (see above)

    PerThread(Supplier<T> initial) {
        local = ThreadLocal.withInitial(() -> new Owned<>(Thread.currentThread(), initial.get()));
    }

    T get() {
        Owned<T> owned = last;
        if (owned != null && owned.owner() == Thread.currentThread()) return owned.value();
        owned = local.get();
        last = owned;
        return owned.value();
    }
}
