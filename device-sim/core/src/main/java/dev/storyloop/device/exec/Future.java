package dev.storyloop.device.exec;

import java.util.Objects;
import java.util.function.Function;

/**
 * A value that is not there yet, driven by polling, in the manner of Rust's {@code Future}.
 *
 * <p>The contract, the same one an embedded Rust executor relies on:
 * <ol>
 *   <li>{@link #poll(Context)} does as much as it can without blocking and returns
 *       {@link Poll#READY} when the value is there, or {@link Poll#PENDING}.</li>
 *   <li>Before returning {@code PENDING} it must arrange for the task's waker to be called when
 *       progress is possible (register it in a {@link WakerSlot}, a timer, a channel). A future
 *       that forgets is a lost wake-up: the task sleeps forever, and the diagnostics report it.</li>
 *   <li>After {@code READY}, {@link #output()} gives the value; the future is not polled again.</li>
 *   <li>A future dropped before it finished gets {@link #cancel()}: its chance to undo half-done
 *       work and withdraw its registrations. What it enlisted as a {@link Registration} is withdrawn
 *       even when nobody calls {@code cancel()}: by the {@link CancelScope} of the combinator that
 *       dropped it, or when its task ends.</li>
 * </ol>
 *
 * <p>A custom future is a few lines with the kit: {@link #of(PollFn)} from a lambda that returns
 * {@code PENDING} or {@code out.ready(value)}, then {@link #map} and {@link #andThen}, which forward
 * {@code cancel()}. The kit allocates when a future is made, never per poll; a hot loop makes its
 * futures once and reuses them.
 */
public interface Future<T> {

    Poll poll(Context cx);

    /** The value, valid once {@link #poll(Context)} returned {@link Poll#READY}. */
    T output();

    /** The drop hook: called when the future is abandoned before it completed. */
    default void cancel() {}

    /**
     * One poll of an {@link #of(PollFn)} future: returns {@link Poll#PENDING}, {@link Poll#READY}
     * (the value is null), or {@code out.ready(value)}.
     */
    @FunctionalInterface
    interface PollFn<T> {
        Poll poll(Context cx, Output<T> out);
    }

    /** Where an {@link #of(PollFn)} future's lambda puts its value. */
    interface Output<T> {
        /** Keeps {@code value} as the future's output and returns {@link Poll#READY}. */
        Poll ready(T value);
    }

    /**
     * A future from a lambda, e.g. {@code Future.of((cx, out) -> queue.isEmpty() ? Poll.PENDING : out.ready(queue.poll()))}.
     * As with any future, the lambda must arrange a wake before it returns {@code PENDING}.
     */
    static <T> Future<T> of(PollFn<T> poll) {
        return new FutureKit.OfFn<>(Objects.requireNonNull(poll, "poll"), null);
    }

    /** {@link #of(PollFn)} with a cancel hook, run when the future is dropped before it finished. */
    static <T> Future<T> of(PollFn<T> poll, Runnable onCancel) {
        return new FutureKit.OfFn<>(Objects.requireNonNull(poll, "poll"), Objects.requireNonNull(onCancel, "onCancel"));
    }

    /** A future that is ready at once with {@code value}. */
    static <T> Future<T> ready(T value) {
        return new FutureKit.OfFn<T>((cx, out) -> out.ready(value), null);
    }

    /** This future's value passed through {@code fn}; cancelling it cancels this future. */
    default <U> Future<U> map(Function<? super T, ? extends U> fn) {
        return new FutureKit.Map<>(this, Objects.requireNonNull(fn, "fn"));
    }

    /**
     * This future, then the future {@code next} makes from its value; the value of that one. Cancelling
     * it cancels whichever of the two is running.
     */
    default <U> Future<U> andThen(Function<? super T, ? extends Future<U>> next) {
        return new FutureKit.AndThen<>(this, Objects.requireNonNull(next, "next"));
    }
}
