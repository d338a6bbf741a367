package dev.storyloop.device.sim;

import dev.storyloop.device.exec.Executor;
import dev.storyloop.device.time.Timer;
import dev.storyloop.device.time.TimerQueue;
import dev.storyloop.device.time.VirtualClock;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.BooleanSupplier;

/**
 * The simulated world's time: the virtual clock, the queue of the world's own events (packets
 * arriving, faults, keepalives), the devices' executors, and the loop that runs them all.
 *
 * <p>{@link #runUntil} lets every executor run what it can, fires the due events, and when nothing
 * is left to do jumps the clock to the earliest deadline anywhere. It knows nothing of MQTT: the
 * world gives it one hook, run before each jump, to arm what depends on the idle state (the
 * broker's keepalive walk).
 */
final class SimScheduler {
    private static final int EVENTS_PER_TURN = 4096;

    private final VirtualClock clock;
    private final TimerQueue events;
    private final List<Executor> executors = new ArrayList<>();
    private final ExecutorSchedule schedule = new ExecutorSchedule();
    private final Runnable beforeJump;
    private long eventsFired;

    SimScheduler(VirtualClock clock, int eventCapacity, Runnable beforeJump) {
        this.clock = Objects.requireNonNull(clock, "clock");
        this.events = new TimerQueue(eventCapacity);
        this.beforeJump = Objects.requireNonNull(beforeJump, "beforeJump");
    }

    VirtualClock clock() { return clock; }
    long nowNanos() { return clock.nanos(); }
    TimerQueue events() { return events; }
    long eventsFired() { return eventsFired; }

    /** Adds a device's executor; it must run on this clock. */
    void add(Executor executor) {
        if (executor.clock() != clock) throw new IllegalArgumentException("executor '" + executor.name() + "' runs on another clock");
        executors.add(executor);
        int index = schedule.add(executor.nextDeadlineNanos());
        executor.onReady(() -> schedule.ready(index));
    }

    /** Runs {@code action} at {@code atNanos} (faults, load changes, notices that are not packets). */
    void at(long atNanos, Runnable action) {
        events.arm(new Timer() {
            @Override
            protected void onFire(long nowNanos) {
                action.run();
            }
        }, atNanos);
    }

    /** Runs until {@code done} holds or the clock reaches {@code untilNanos}; returns false when nothing more can happen. */
    boolean runUntil(BooleanSupplier done, long untilNanos) {
        while (!done.getAsBoolean()) {
            long now = clock.nanos();
            int work = 0;
            // Only executors with something to do are stepped (the schedule knows which, without asking
            // each), and only those that worked since their last idle turn are told they are idle: a
            // fleet of thousands costs per event, not per device.
            schedule.beginTurn(now);
            for (int i = schedule.nextInTurn(); i >= 0; i = schedule.nextInTurn()) {
                Executor executor = executors.get(i);
                int done1 = executor.doWork();
                work += done1;
                schedule.stepped(i, executor.nextDeadlineNanos(), done1 > 0);
                if (executor.hasRunnable()) schedule.ready(i);
            }
            int fired = events.fire(now, EVENTS_PER_TURN);
            eventsFired += fired;
            work += fired;
            if (work > 0 || schedule.anyReady()) continue;
            for (int i = schedule.pollWorked(); i >= 0; i = schedule.pollWorked()) executors.get(i).idle();
            beforeJump.run();
            long next = Math.min(Math.min(events.nextDeadlineNanos(), untilNanos), schedule.earliestDeadline());
            if (next == Long.MAX_VALUE) return false;
            if (now >= untilNanos) return true;
            clock.advanceTo(next);
        }
        return true;
    }
}
