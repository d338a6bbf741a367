package dev.storyloop.device.exec;

import java.util.Locale;

/**
 * A future with a deadline: the inner future's value, or "timed out" with the inner future cancelled.
 *
 * <p>The inner future is polled first, so a value and the deadline arriving together count as
 * the value. Its deadline is fixed when it is made (see {@link Sleep}). While pending, the task
 * waits on the timeout itself, which names the inner future's wait as the next link of the task's
 * wait chain: a dump says "timeout until 1.000000 s on an item in channel 'cmds'", not only the
 * timer. Everything the inner future enlisted is withdrawn when it times out or is dropped,
 * whether or not its cancel hook reaches it (see {@link CancelScope}).
 */
public final class Timeout<T> implements Future<T>, WaitNode {
    private final Future<T> inner;
    private final Sleep deadline;
    private final long durationNanos; // -1 for an absolute deadline
    private final CancelScope innerScope = new CancelScope();
    private boolean timedOut;
    private Object innerWait;

    private Timeout(Future<T> inner, Sleep deadline, long durationNanos) {
        this.inner = inner;
        this.deadline = deadline;
        this.durationNanos = durationNanos;
    }

    /** Gives {@code inner} {@code durationNanos} from now (from its first poll when made outside any poll). */
    public static <T> Timeout<T> after(long durationNanos, Future<T> inner) {
        return new Timeout<>(inner, Sleep.forNanos(durationNanos), durationNanos);
    }

    /** Gives {@code inner} until the absolute {@code deadlineNanos}. */
    public static <T> Timeout<T> at(long deadlineNanos, Future<T> inner) {
        return new Timeout<>(inner, Sleep.until(deadlineNanos), -1);
    }

    @Override
    public Poll poll(Context cx) {
        Object outer = cx.waitingOn();
        cx.waitingOn(null);
        innerScope.enter(cx);
        Poll innerPoll = inner.poll(cx);
        innerScope.exit(cx);
        if (innerPoll == Poll.READY) {
            deadline.cancel();
            cx.waitingOn(outer);
            return Poll.READY;
        }
        innerWait = cx.waitingOn();
        if (deadline.poll(cx) == Poll.READY) {
            timedOut = true;
            inner.cancel();
            innerScope.cancel();
            cx.cancelled(inner);
            cx.waitingOn(outer);
            return Poll.READY;
        }
        cx.waitingOn(this);
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
        innerScope.cancel();
        deadline.cancel();
    }

    @Override
    public String waitLabel(long nowNanos) {
        String left = SecondsText.of(Math.max(0, deadline.deadlineNanos() - nowNanos), 1);
        return durationNanos >= 0
                ? "timeout(" + seconds(durationNanos) + ", " + left + " s left)"
                : "timeout(until " + SecondsText.of(deadline.deadlineNanos(), 3) + " s, " + left + " s left)";
    }

    private static String seconds(long nanos) {
        return nanos % 1_000_000_000L == 0 ? nanos / 1_000_000_000L + " s" : SecondsText.of(nanos, 3) + " s";
    }

    @Override
    public Object innerWait() {
        return innerWait;
    }

    @Override
    public String wakerHolder() {
        return deadline.wakerHolder();
    }

    @Override
    public String toString() {
        return "timeout until " + String.format(Locale.ROOT, "%.6f s", deadline.deadlineNanos() / 1e9) + " on " + innerWait;
    }
}
