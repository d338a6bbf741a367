package dev.storyloop.device.exec;

/**
 * A future with a deadline: the inner future's value, or "timed out" with the inner future cancelled.
 *
 * <p>The inner future is polled first, so a value and the deadline arriving together count as
 * the value. Its deadline is fixed when it is made (see {@link Sleep}). While pending, the task
 * waits on this timeout, which names the inner resource first ({@link #waitsOn()}) and its
 * deadline second: a dump says "an item in channel 'cmds' within timeout until 1.000000 s", not
 * only the timer. Everything the inner future enlisted is withdrawn when it times out, whether or
 * not its cancel hook reaches it (see {@link CancelScope}).
 */
public final class Timeout<T> implements Future<T>, WaitLink {
    private final Future<T> inner;
    private final Sleep deadline;
    private final CancelScope innerScope = new CancelScope();
    private Object innerWaitsOn;
    private boolean timedOut;

    private Timeout(Future<T> inner, Sleep deadline) {
        this.inner = inner;
        this.deadline = deadline;
    }

    /** Gives {@code inner} {@code durationNanos} from now (from its first poll when made outside any poll). */
    public static <T> Timeout<T> after(long durationNanos, Future<T> inner) {
        return new Timeout<>(inner, Sleep.forNanos(durationNanos));
    }

    /** Gives {@code inner} until the absolute {@code deadlineNanos}. */
    public static <T> Timeout<T> at(long deadlineNanos, Future<T> inner) {
        return new Timeout<>(inner, Sleep.until(deadlineNanos));
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
        innerWaitsOn = cx.waitingOn();
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

    /** What the inner future waits on, as of its last poll; null when it did not say. */
    @Override
    public Object waitsOn() {
        return innerWaitsOn;
    }

    @Override
    public String toString() {
        return innerWaitsOn == null ? deadline.toString() : innerWaitsOn + " within timeout until " + deadline.deadlineText();
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
}
