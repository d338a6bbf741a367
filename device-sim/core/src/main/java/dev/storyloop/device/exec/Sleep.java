package dev.storyloop.device.exec;

import dev.storyloop.device.time.Timer;
import dev.storyloop.device.time.TimerQueue;

import java.util.Locale;

/**
 * A future that completes at a deadline: {@code sleep} and {@code sleepUntil}.
 *
 * <p>A relative sleep made inside a poll fixes its deadline when it is made, as Embassy's
 * {@code Timer::after} and tokio's {@code sleep} do: {@code forMillis(10)} made at 0 ms and first
 * awaited at 5 ms ends at 10 ms. Made outside any poll (at boot, before the loop runs), there is
 * no loop time to read yet, so it counts from its first poll. It can be {@link #reset} and awaited
 * again, so a periodic task re-arms one timer instead of allocating one per period.
 */
public final class Sleep implements Future<Void>, WakeSource, WaitNode {
    private final WakerSlot waker = new WakerSlot();
    private final Registration registration = new Registration(this) {
        @Override
        protected void withdraw() {
            cancel();
        }
    };
    private final Timer timer = new Timer() {
        @Override
        protected void onFire(long nowNanos) {
            waker.wake(Sleep.this);
        }
    };
    private long durationNanos;
    private long deadlineNanos;
    private boolean relative;
    private boolean started;
    private TimerQueue queue;

    private Sleep(long durationNanos, long deadlineNanos, boolean relative) {
        this.durationNanos = durationNanos;
        this.deadlineNanos = deadlineNanos;
        this.relative = relative;
    }

    /** Sleeps {@code durationNanos} from now: from this call inside a poll, else from the first poll. */
    public static Sleep forNanos(long durationNanos) {
        if (durationNanos < 0) throw new IllegalArgumentException("durationNanos < 0: " + durationNanos);
        Executor current = Executor.current();
        if (current != null) return new Sleep(0, deadlineAfter(current.nowNanos(), durationNanos), false);
        return new Sleep(durationNanos, 0, true);
    }

    /** {@code now + duration}, saturating: a sleep "for ever" must not wrap into the past. */
    static long deadlineAfter(long nowNanos, long durationNanos) {
        long deadline = nowNanos + durationNanos;
        return deadline < nowNanos ? Long.MAX_VALUE : deadline;
    }

    public static Sleep forMillis(long millis) {
        return forNanos(Math.multiplyExact(millis, 1_000_000L));
    }

    public static Sleep until(long deadlineNanos) {
        return new Sleep(0, deadlineNanos, false);
    }

    /** Makes the sleep reusable for another {@code durationNanos}, counted from its next first poll. */
    public Sleep reset(long durationNanos) {
        cancel();
        this.durationNanos = durationNanos;
        this.relative = true;
        this.started = false;
        return this;
    }

    /** Makes the sleep reusable until the absolute {@code deadlineNanos}. */
    public Sleep resetUntil(long deadlineNanos) {
        cancel();
        this.deadlineNanos = deadlineNanos;
        this.relative = false;
        this.started = false;
        return this;
    }

    @Override
    public Poll poll(Context cx) {
        long now = cx.nowNanos();
        if (!started) {
            started = true;
            queue = cx.timers();
            if (relative) deadlineNanos = deadlineAfter(now, durationNanos);
        }
        if (now >= deadlineNanos) {
            cancel();
            return Poll.READY;
        }
        waker.register(cx);
        if (!timer.isArmed()) queue.arm(timer, deadlineNanos);
        registration.enlist(cx);
        cx.waitingOn(this);
        return Poll.PENDING;
    }

    @Override
    public Void output() {
        return null;
    }

    @Override
    public void cancel() {
        registration.delist();
        if (queue != null) queue.cancel(timer);
        waker.clear();
    }

    public long deadlineNanos() {
        return deadlineNanos;
    }

    @Override
    public String wakeSourceName() {
        return "timer";
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "timer until %.6f s", deadlineNanos / 1e9);
    }

    @Override
    public String waitLabel(long nowNanos) {
        return String.format(Locale.ROOT, "timer until %.6f s (%.3f s left)", deadlineNanos / 1e9, Math.max(0, deadlineNanos - nowNanos) / 1e9);
    }

    @Override
    public String wakerHolder() {
        return waker.isRegistered() ? "timer" : null;
    }
}
