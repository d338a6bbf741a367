package dev.storyloop.device.exec;

import dev.storyloop.device.memory.MemoryBudget;
import dev.storyloop.device.time.Clock;
import dev.storyloop.device.time.VirtualClock;

import java.util.Objects;

/**
 * Configures and reserves an {@link Executor}: the task pool, run queues and timers come out of the
 * device's memory budget when it is built.
 *
 * <p>How the loop idles is not the executor's business: that belongs to whatever steps it (a
 * {@link LoopRunner}, or a simulated world).
 */
public final class ExecutorBuilder {
    public static final int TASK_SLOT_BYTES_DEFAULT = 512;
    public static final int TIMER_BYTES = 48;
    public static final int RUN_QUEUE_ENTRY_BYTES = 8;
    public static final int TIMERS_PER_TURN_DEFAULT = 1024;

    final String name;
    int taskCapacity = 16;
    int timerCapacity = 64;
    int taskSlotBytes = TASK_SLOT_BYTES_DEFAULT;
    int timersPerTurn = TIMERS_PER_TURN_DEFAULT;
    Clock clock = new VirtualClock();
    LoopObserver observer = LoopObserver.NONE;
    private MemoryBudget budget;

    ExecutorBuilder(String name) {
        this.name = Objects.requireNonNull(name, "name");
    }

    public ExecutorBuilder taskCapacity(int tasks) {
        if (tasks <= 0) throw new IllegalArgumentException("taskCapacity must be > 0, got " + tasks);
        this.taskCapacity = tasks;
        return this;
    }

    public ExecutorBuilder timerCapacity(int timers) {
        if (timers <= 0) throw new IllegalArgumentException("timerCapacity must be > 0, got " + timers);
        this.timerCapacity = timers;
        return this;
    }

    /** The RAM one task's state machine is declared to take (Embassy sizes its task arena the same way). */
    public ExecutorBuilder taskSlotBytes(int bytes) {
        if (bytes <= 0) throw new IllegalArgumentException("taskSlotBytes must be > 0, got " + bytes);
        this.taskSlotBytes = bytes;
        return this;
    }

    public ExecutorBuilder timersPerTurn(int limit) {
        if (limit <= 0) throw new IllegalArgumentException("timersPerTurn must be > 0, got " + limit);
        this.timersPerTurn = limit;
        return this;
    }

    public ExecutorBuilder clock(Clock clock) {
        this.clock = Objects.requireNonNull(clock, "clock");
        return this;
    }

    public ExecutorBuilder observer(LoopObserver observer) {
        this.observer = LoopObserver.both(this.observer, Objects.requireNonNull(observer, "observer"));
        return this;
    }

    /** Reserves the task pool, run queues and timers in {@code budget} when built. */
    public ExecutorBuilder budget(MemoryBudget budget) {
        this.budget = budget;
        return this;
    }

    /** Builds the executor, bound to the calling thread until a world or runner binds its own. */
    public Executor build() {
        if (budget != null) {
            budget.reserve("task slots", taskCapacity, taskSlotBytes);
            budget.reserve("run queues", 2L * taskCapacity, RUN_QUEUE_ENTRY_BYTES);
            budget.reserve("timers", timerCapacity, TIMER_BYTES);
        }
        return new Executor(this);
    }
}
