package dev.storyloop.device.sim;

import dev.storyloop.device.exec.Closable;
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
 *
 * <p>Every executor is a device with a CPU of its own. Its step runs at its local time (the clock's
 * {@link VirtualClock#enterLocal}): the world's time, or later while a poll before it spent CPU time
 * that has not yet passed in the world. A poll that spends (a blocking call on {@code SimBoard})
 * moves only that local time; the step's end is when the device's CPU is free again, and until the
 * world's clock reaches it the device is not stepped ({@link ExecutorSchedule}) and its MQTT client
 * takes nothing from the network ({@link SimClient}). The broker, the links and the other devices go
 * on at the world's time.
 */
final class SimScheduler {
    private static final int EVENTS_PER_TURN = 4096;

    private final VirtualClock clock;
    private final TimerQueue events;
    private final List<Executor> executors = new ArrayList<>();
    private final ExecutorSchedule schedule = new ExecutorSchedule();
    private final Runnable beforeJump;
    private long eventsFired;
    private long closesAtLastPass = Closable.closesCounted();

    SimScheduler(VirtualClock clock, int eventCapacity, Runnable beforeJump) {
        this.clock = Objects.requireNonNull(clock, "clock");
        this.events = new TimerQueue(eventCapacity, TimerQueue.RUNS_MAX); // a world arms most of its timers in order: runs take them (see TimerQueue)
        this.beforeJump = Objects.requireNonNull(beforeJump, "beforeJump");
    }

    VirtualClock clock() { return clock; }
    long nowNanos() { return clock.nanos(); }
    TimerQueue events() { return events; }
    long eventsFired() { return eventsFired; }

    /** Adds a device's executor; it must run on this clock. Returns its index, which names its CPU ({@link #busyUntilNanos}). */
    int add(Executor executor) {
        if (executor.clock() != clock) throw new IllegalArgumentException("executor '" + executor.name() + "' runs on another clock");
        executor.bindLoopThread(); // the world's thread steps it: a wake from any other fails loudly
        executors.add(executor);
        int index = schedule.add(executor.nextDeadlineNanos());
        executor.onReady(() -> schedule.ready(index, clock.worldNanos()));
        executor.onChange(() -> schedule.changed(index));
        return index;
    }

    /** When the CPU of executor {@code cpu} is free: later than the world's time while a blocking call it made is under way. */
    long busyUntilNanos(int cpu) {
        return schedule.busyUntil(cpu);
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
                clock.enterLocal(schedule.busyUntil(i)); // the device's own time: a poll that spends moves only it
                int done1;
                long stepEnd;
                try {
                    done1 = executor.doWork();
                } finally {
                    stepEnd = clock.exitLocal();
                }
                work += done1;
                boolean runnable = executor.hasRunnable();
                schedule.stepped(i, executor.nextDeadlineNanos(), done1 > 0, runnable, stepEnd, now);
                // Quiet after a step that worked, with its CPU free: told it is idle now, while its state is
                // in the cache. The pass at the instant's end then looks again only if something changed since.
                if (done1 > 0 && !runnable && stepEnd <= now) schedule.checkedIdle(i, executor.idle());
            }
            int fired = events.fire(now, EVENTS_PER_TURN);
            eventsFired += fired;
            work += fired;
            if (work > 0 || schedule.anyReady()) continue;
            boolean closed = Closable.closesCounted() != closesAtLastPass; // a counted close: every check looks again
            for (int i = schedule.pollWorked(now); i >= 0; i = schedule.pollWorked(now)) {
                if (closed || schedule.lookAgain(i)) executors.get(i).idle();
            }
            closesAtLastPass = Closable.closesCounted();
            beforeJump.run();
            long next = Math.min(Math.min(events.nextDeadlineNanos(), untilNanos), schedule.earliestDeadline());
            if (next == Long.MAX_VALUE) return false;
            if (now >= untilNanos) return true;
            clock.advanceTo(next);
        }
        return true;
    }
}
