package dev.storyloop.device.exec;

/**
 * A future with a deadline: the inner future's value, or "timed out" with the inner future cancelled.
 *
 * <p>The inner future is polled first, so a value and the deadline arriving together count as
 * the value.
 */
public final class Timeout<T> implements Future<T> {
    private final Future<T> inner;
    private final Sleep deadline;
    private boolean timedOut;

    private Timeout(Future<T> inner, Sleep deadline) {
        this.inner = inner;
        this.deadline = deadline;
    }

    /** Gives {@code inner} {@code durationNanos} from its first poll. */
    public static <T> Timeout<T> after(long durationNanos, Future<T> inner) {
        return new Timeout<>(inner, Sleep.forNanos(durationNanos));
    }

    /** Gives {@code inner} until the absolute {@code deadlineNanos}. */
    public static <T> Timeout<T> at(long deadlineNanos, Future<T> inner) {
        return new Timeout<>(inner, Sleep.until(deadlineNanos));
    }

    @Override
    public Poll poll(Context cx) {
        if (inner.poll(cx) == Poll.READY) {
            deadline.cancel();
            return Poll.READY;
        }
        if (deadline.poll(cx) == Poll.READY) {
            timedOut = true;
            inner.cancel();
            cx.cancelled(inner);
            return Poll.READY;
        }
        return Poll.PENDING;
    }

    /** The inner value, or null when it timed out. */
    @Override
    public T output() {
        return timedOut ? null : inner.output();
    }

    public boolean timedOut() {
        return timedOut;
    }

    @Override
    public void cancel() {
        inner.cancel();
        deadline.cancel();
    }
}
