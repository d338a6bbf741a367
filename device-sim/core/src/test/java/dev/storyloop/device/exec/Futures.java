package dev.storyloop.device.exec;

import java.util.function.Function;

/** Hand-written futures for tests: a poll function, or a task that wakes itself N times. */
public final class Futures {
    private Futures() {}

    public static Future<Void> of(Function<Context, Poll> poll) {
        return new Future<>() {
            @Override public Poll poll(Context cx) { return poll.apply(cx); }
            @Override public Void output() { return null; }
        };
    }

    /** Already ready with {@code value}. */
    public static <T> Future<T> ready(T value) {
        return new Future<>() {
            @Override public Poll poll(Context cx) { return Poll.READY; }
            @Override public T output() { return value; }
        };
    }

    /** Pending {@code times} times, each time waking itself first; then ready. */
    public static Future<Void> selfWaking(int times) {
        int[] left = {times};
        return of(cx -> {
            if (left[0]-- == 0) return Poll.READY;
            cx.waker().wake();
            return Poll.PENDING;
        });
    }

    /** Never ready; registers its waker in {@code slot} on every poll. */
    public static Future<Void> waitingOn(WakerSlot slot) {
        return of(cx -> {
            slot.register(cx);
            return Poll.PENDING;
        });
    }
}
