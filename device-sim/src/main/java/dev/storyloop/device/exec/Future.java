package dev.storyloop.device.exec;

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
 *       work and withdraw its registrations.</li>
 * </ol>
 */
public interface Future<T> {

    Poll poll(Context cx);

    /** The value, valid once {@link #poll(Context)} returned {@link Poll#READY}. */
    T output();

    /** The drop hook: called when the future is abandoned before it completed. */
    default void cancel() {}
}
