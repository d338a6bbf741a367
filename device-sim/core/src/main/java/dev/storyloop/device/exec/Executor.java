package dev.storyloop.device.exec;

import dev.storyloop.device.memory.MemoryBudget;
import dev.storyloop.device.time.Clock;
import dev.storyloop.device.time.TimerQueue;
import dev.storyloop.device.time.VirtualClock;

import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * A single-threaded executor with Rust-async semantics, in the manner of Embassy's.
 *
 * <p>Tasks live in a fixed pool reserved at boot; spawning into a full pool is a {@link SpawnError}
 * (or an empty {@link #trySpawn}), never growth. A woken task is queued once, however often it is
 * woken. The run queue is drained in batches: every task queued when a batch starts is polled
 * once, and tasks woken meanwhile (including a task waking itself) wait for the next batch, so one
 * busy task cannot starve the others. Wakes from other threads go through a bounded lock-free
 * interrupt queue and unpark the loop; a loop with nothing to do parks (real time) or jumps to
 * the next deadline (virtual time).
 *
 * <p>The loop can be driven by {@link #runUntil} or step by step ({@link #doWork()},
 * {@link #nextDeadlineNanos()}), which is how a simulated world runs many devices on one thread.
 */
public final class Executor implements Spawner {
    public static final int TIMERS_PER_TURN_DEFAULT = 1024;
    private static final long PARK_MAX_NANOS = 100_000_000L; // re-check stop flags at least every 100 ms
    public static final long SPIN_NANOS_DEFAULT = 250_000L;

    private final String name;
    private final Clock clock;
    private final VirtualClock virtualClock; // null in real time
    private final TimerQueue timers;
    private final int timersPerTurn;
    private final IdleStrategy idleStrategy;
    private final long spinNanos;
    private long lastWorkNanos; // BACKOFF: when the loop last did something
    // Written by the loop thread only, read by observers (tests, status lines): how the loop idled.
    private volatile long idleSpinTurns;
    private volatile long parks;
    private final TaskSlot[] slots;
    private final int[] freeSlots;
    private int freeCount;
    private final IntRing runQueue;
    private final MpscIntQueue interrupts;
    private LoopObserver observer;
    private Runnable readyHook;

    private volatile Thread loopThread; // the thread that owns the loop: the builder's until run() moves it
    private volatile boolean running;
    private volatile boolean parked;
    private volatile boolean stopRequested;
    private TaskSlot polling;
    private boolean current; // this executor is CURRENT on the loop thread (inside run() or a stepped batch)
    private long failures;
    private Throwable lastFailure;

    private Executor(Builder b) {
        this.name = b.name;
        this.clock = b.clock;
        this.virtualClock = b.clock instanceof VirtualClock ? (VirtualClock) b.clock : null;
        this.timers = new TimerQueue(b.timerCapacity);
        this.timersPerTurn = b.timersPerTurn;
        this.idleStrategy = b.idleStrategy;
        this.spinNanos = b.spinNanos;
        this.slots = new TaskSlot[b.taskCapacity];
        this.freeSlots = new int[b.taskCapacity];
        for (int i = 0; i < slots.length; i++) {
            slots[i] = new TaskSlot(i);
            freeSlots[i] = slots.length - 1 - i; // slot 0 is handed out first
        }
        this.freeCount = slots.length;
        this.runQueue = new IntRing(b.taskCapacity);
        this.interrupts = new MpscIntQueue(b.taskCapacity);
        this.observer = b.observer;
        this.loopThread = Thread.currentThread();
    }

    // The executor polling on this thread, so that a sleep made inside a poll can read the time it
    // was made at, as Embassy's Timer::after and tokio's sleep do. Set once per run(), or once per batch
    // when the loop is stepped from outside (a simulated world), never per poll.
    private static final ThreadLocal<Executor> CURRENT = new ThreadLocal<>();

    /** The executor whose batch runs on this thread now, or null outside any poll. */
    static Executor current() {
        return CURRENT.get();
    }

    public static Builder builder(String name) {
        return new Builder(name);
    }

    // ---- spawning -------------------------------------------------------------------------

    @Override
    public <T> JoinHandle<T> spawn(String taskName, Future<T> future) {
        Optional<JoinHandle<T>> handle = trySpawn(taskName, future);
        if (handle.isEmpty()) {
            StringBuilder live = new StringBuilder();
            forEachTask(task -> live.append(live.length() == 0 ? "" : ", ").append(task.name()));
            throw new SpawnError(name + ": task pool full (" + slots.length + " slots) spawning '" + taskName
                    + "'; live tasks: " + live);
        }
        return handle.get();
    }

    @Override
    public <T> Optional<JoinHandle<T>> trySpawn(String taskName, Future<T> future) {
        Objects.requireNonNull(taskName, "taskName");
        Objects.requireNonNull(future, "future");
        assert onLoopThread() : "spawn from outside the loop thread";
        if (freeCount == 0) return Optional.empty();
        TaskSlot slot = slots[freeSlots[--freeCount]];
        int generation = TaskSlot.generationOf(slot.word());
        JoinHandle<T> handle = new JoinHandle<>(this, taskName);
        handle.attach(slot, generation);
        slot.name = taskName;
        slot.future = future;
        slot.waker = new Waker(this, slot.index, generation);
        slot.context = new Context(this, slot, slot.waker);
        slot.handle = handle;
        slot.waitingOn = null;
        assert slot.registrations == null : "a free slot still has registrations";
        slot.scope = null;
        slot.polls = 0;
        slot.sinceNanos = clock.nanos();
        slot.wokenAtNanos = slot.sinceNanos;
        slot.setWord(TaskSlot.stateOf(generation, TaskSlot.SPAWNED));
        slot.localQueued = true;
        runQueue.push(slot.index);
        if (readyHook != null) readyHook.run();
        observer.onSpawn(slot, slot.sinceNanos);
        return Optional.of(handle);
    }

    // ---- waking ---------------------------------------------------------------------------

    void wake(Waker waker, WakeSource source) {
        TaskSlot slot = slots[waker.slot];
        if (onLoopThread()) {
            // The loop's own path: only the loop changes localQueued and frees slots, so no atomics.
            long word = slot.word();
            if (TaskSlot.generationOf(word) != waker.generation) return; // the task is gone; its slot was reused
            if ((word & TaskSlot.SPAWNED) == 0) return;                  // finished
            if (slot.localQueued) return;                                // already queued: wakes coalesce
            slot.localQueued = true;
            long now = clock.nanos();
            slot.wokenAtNanos = now;
            slot.sinceNanos = now;
            runQueue.push(slot.index);
            if (readyHook != null) readyHook.run();
            observer.onWake(slot, source, polling == slot, now);
            return;
        }
        while (true) {
            long word = slot.word();
            if (TaskSlot.generationOf(word) != waker.generation) return;
            if ((word & TaskSlot.SPAWNED) == 0) return;
            if ((word & TaskSlot.REMOTE_QUEUED) != 0) return;
            if (slot.casWord(word, word | TaskSlot.REMOTE_QUEUED)) break;
        }
        if (!clock.isVirtual()) slot.wokenAtNanos = clock.nanos(); // published by the queue's volatile write
        boolean queued = interrupts.offer(slot.index);
        assert queued : "interrupt queue sized below the task pool";
        if (readyHook != null) readyHook.run();
        if (parked) LockSupport.unpark(loopThread);
    }

    private boolean onLoopThread() {
        return loopThread == Thread.currentThread();
    }

    private void drainInterrupts() {
        int index;
        while ((index = interrupts.poll()) >= 0) {
            TaskSlot slot = slots[index];
            long word;
            do {
                word = slot.word();
            } while (!slot.casWord(word, word & ~TaskSlot.REMOTE_QUEUED));
            if ((word & TaskSlot.SPAWNED) == 0) {
                freeIfUnqueued(slot);
                continue;
            }
            if (slot.localQueued) continue; // already on the run queue
            slot.localQueued = true;
            long now = clock.nanos();
            slot.sinceNanos = now;
            if (clock.isVirtual()) slot.wokenAtNanos = now;
            runQueue.push(index);
            observer.onWake(slot, WakeSource.INTERRUPT, false, now);
        }
    }

    // ---- the loop -------------------------------------------------------------------------

    /** One turn: polls one batch of runnable tasks, then fires due timers. Returns the work done. */
    public int doWork() {
        return runBatch() + fireTimers();
    }

    /** Polls every task that is runnable now, each once; returns how many were polled. */
    public int runBatch() {
        drainInterrupts();
        int batch = runQueue.size();
        if (batch == 0) return 0;
        if (current) return pollBatch(batch);
        // Stepped from outside run() (a simulated world, a test): this executor is current for the batch only.
        Executor outer = CURRENT.get();
        CURRENT.set(this);
        current = true;
        try {
            return pollBatch(batch);
        } finally {
            current = false;
            CURRENT.set(outer);
        }
    }

    private int pollBatch(int batch) {
        int polled = 0;
        for (int i = 0; i < batch; i++) {
            TaskSlot slot = slots[runQueue.pop()];
            if (dequeue(slot)) {
                pollTask(slot);
                polled++;
            }
        }
        return polled;
    }

    /** Fires timers that are due, at most the per-turn limit; returns how many fired. */
    public int fireTimers() {
        long now = clock.nanos();
        if (timers.nextDeadlineNanos() > now) return 0;
        int fired = timers.fire(now, timersPerTurn);
        if (fired > 0) observer.onTimersFired(fired, now);
        return fired;
    }

    /** Takes a task off the run queue; returns true when it is alive and should be polled. */
    private boolean dequeue(TaskSlot slot) {
        assert slot.localQueued : "slot on the run queue without localQueued";
        slot.localQueued = false;
        if ((slot.word() & TaskSlot.SPAWNED) != 0) return true;
        freeIfUnqueued(slot); // a zombie: it finished while queued
        return false;
    }

    @SuppressWarnings("unchecked")
    private void pollTask(TaskSlot slot) {
        long start = clock.nanos();
        observer.onPollStart(slot, slot.wokenAtNanos, start);
        slot.waitedOnBefore = slot.waitingOn;
        slot.waitingOn = null;
        slot.scope = null;
        slot.running = true;
        polling = slot;
        Poll result;
        Object output = null;
        Throwable failure = null;
        try {
            result = slot.future.poll(slot.context);
            if (result == Poll.READY) output = slot.future.output();
        } catch (VirtualMachineError e) {
            if (!(e instanceof StackOverflowError)) throw e; // the JVM itself is failing: no task can be trusted to go on
            result = Poll.READY;
            failure = e;
        } catch (Throwable e) {
            // Whatever a task throws (a runtime exception, an error of its own code, a checked exception
            // thrown sneakily) fails that task only: the loop and the other tasks go on.
            result = Poll.READY;
            failure = e;
        } finally {
            polling = null;
            slot.running = false;
            slot.scope = null;
        }
        slot.polls++;
        long end = clock.nanos();
        slot.sinceNanos = end;
        observer.onPollEnd(slot, result, start, end);
        if (result == Poll.READY) {
            // Rust drops a finished task's future with every child in it; here whatever the
            // children left registered is withdrawn instead.
            slot.withdrawWithin(null);
            if (failure != null && slot.waitingOn == null) slot.waitingOn = slot.waitedOnBefore; // for the report
            observer.onComplete(slot, failure, false, end);
            JoinHandle<Object> handle = (JoinHandle<Object>) slot.handle;
            release(slot);
            if (failure == null) {
                handle.complete(output);
            } else {
                failures++;
                lastFailure = failure;
                handle.fail(failure);
            }
        }
    }

    void abort(TaskSlot slot, int generation) {
        long word = slot.word();
        if (TaskSlot.generationOf(word) != generation || (word & TaskSlot.SPAWNED) == 0) return;
        if (slot.running) throw new IllegalStateException("task '" + slot.name + "' cannot abort itself");
        slot.future.cancel();
        slot.withdrawWithin(null); // what the future's cancel did not reach
        observer.onComplete(slot, null, true, clock.nanos());
        JoinHandle<?> handle = slot.handle;
        release(slot);
        handle.cancelled();
    }

    private void release(TaskSlot slot) {
        assert slot.registrations == null : "a finished task still has registrations";
        slot.future = null;
        slot.handle = null;
        slot.waitingOn = null;
        long word;
        do {
            word = slot.word();
        } while (!slot.casWord(word, word & ~TaskSlot.SPAWNED)); // from now on no other thread changes the word
        freeIfUnqueued(slot);
    }

    /** Frees a finished task's slot once no queue holds an entry for it; the generation moves on. */
    private void freeIfUnqueued(TaskSlot slot) {
        long word = slot.word();
        assert (word & TaskSlot.SPAWNED) == 0 : "freeing a live task";
        if (slot.localQueued || (word & TaskSlot.REMOTE_QUEUED) != 0) return;
        slot.setWord(TaskSlot.stateOf(TaskSlot.generationOf(word) + 1, 0));
        freeSlots[freeCount++] = slot.index;
    }

    /**
     * Called whenever a task is queued to run (spawned or woken), so that a world stepping many
     * executors on one thread need not ask each of them; the simulated world's, run on its thread.
     */
    public void onReady(Runnable hook) {
        readyHook = hook;
    }

    /** True when a task is queued to run or an interrupt is waiting to be taken in. */
    public boolean hasRunnable() {
        return runQueue.size() > 0 || !interrupts.isEmpty();
    }

    /** The earliest armed timer's deadline, or {@link Long#MAX_VALUE}. */
    public long nextDeadlineNanos() {
        return timers.nextDeadlineNanos();
    }

    /** Tells the observers that the loop is idle (this is where lost wakers are found). */
    public void idle() {
        observer.onIdle(this, clock.nanos());
    }

    /** Runs until {@code done} holds, or, in virtual time, until nothing can ever run again. */
    public RunResult runUntil(BooleanSupplier done) {
        return run(done, Long.MAX_VALUE);
    }

    /** Runs for {@code durationNanos} of the executor's time (virtual or real). */
    public RunResult runFor(long durationNanos) {
        long deadline = clock.nanos() + durationNanos;
        return run(() -> false, deadline);
    }

    /** Runs until {@code done} holds or the clock reaches {@code untilNanos}. */
    public RunResult run(BooleanSupplier done, long untilNanos) {
        if (running && loopThread != Thread.currentThread()) {
            throw new IllegalStateException(name + " already runs on thread " + loopThread.getName());
        }
        loopThread = Thread.currentThread();
        running = true;
        stopRequested = false;
        Executor outer = CURRENT.get();
        CURRENT.set(this); // once per run, not per batch
        current = true;
        try {
            while (true) {
                if (done.getAsBoolean()) return RunResult.DONE;
                if (stopRequested) return RunResult.STOPPED;
                if (clock.nanos() >= untilNanos) return RunResult.TIME_LIMIT;
                if (doWork() > 0 || hasRunnable()) {
                    if (idleStrategy == IdleStrategy.BACKOFF) lastWorkNanos = clock.nanos();
                    continue;
                }
                idle();
                if (hasRunnable()) continue;
                if (done.getAsBoolean()) return RunResult.DONE;
                long next = Math.min(timers.nextDeadlineNanos(), untilNanos);
                if (virtualClock != null) {
                    if (next == Long.MAX_VALUE) return RunResult.STALLED;
                    virtualClock.advanceTo(next);
                } else {
                    idleUntil(next);
                }
            }
        } finally {
            current = false;
            CURRENT.set(outer);
            running = false;
        }
    }

    private void idleUntil(long deadlineNanos) {
        switch (idleStrategy) {
            case SPIN:
                Thread.onSpinWait();
                return;
            case YIELD:
                Thread.yield();
                return;
            case BACKOFF:
                if (clock.nanos() - lastWorkNanos < spinNanos) {
                    idleSpinTurns++;
                    Thread.onSpinWait();
                    return;
                }
                // the window passed: park
            case PARK:
            default:
                parked = true;
                try {
                    if (!interrupts.isEmpty() || stopRequested) return; // a wake raced with going to sleep
                    long wait = Math.min(deadlineNanos - clock.nanos(), PARK_MAX_NANOS);
                    if (wait > 0) {
                        parks++;
                        LockSupport.parkNanos(this, wait);
                    }
                } finally {
                    parked = false;
                }
        }
    }

    /** Asks a running loop to return {@link RunResult#STOPPED}; safe from any thread. */
    public void stop() {
        stopRequested = true;
        LockSupport.unpark(loopThread);
    }

    // ---- views ----------------------------------------------------------------------------

    /** Visits every live task in slot order. Loop thread only. */
    public void forEachTask(Consumer<TaskView> visitor) {
        for (TaskSlot slot : slots) {
            if ((slot.word() & TaskSlot.SPAWNED) != 0) visitor.accept(slot);
        }
    }

    public int liveTasks() {
        int live = 0;
        for (TaskSlot slot : slots) if ((slot.word() & TaskSlot.SPAWNED) != 0) live++;
        return live;
    }

    public String name() { return name; }
    public Clock clock() { return clock; }
    public long nowNanos() { return clock.nanos(); }
    public TimerQueue timers() { return timers; }
    public int taskCapacity() { return slots.length; }
    LoopObserver observer() { return observer; }
    /** Tasks that ended by throwing; the executor keeps running. */
    public long failures() { return failures; }

    /** Idle turns the loop spent spinning in {@link IdleStrategy#BACKOFF}'s window after work (not counting SPIN or YIELD). */
    public long idleSpinTurns() { return idleSpinTurns; }

    /** Times the idle loop parked its thread ({@link IdleStrategy#PARK}, or BACKOFF past its window). */
    public long parks() { return parks; }
    public Throwable lastFailure() { return lastFailure; }
    /** The thread running the loop now, or null when it is not running. */
    public Thread loopThread() { return running ? loopThread : null; }

    /** Adds an observer after construction (before the loop runs). */
    public void addObserver(LoopObserver extra) {
        observer = LoopObserver.both(observer, extra);
    }

    /** Configures and reserves an executor: the task pool and timers come out of the device's memory budget. */
    public static final class Builder {
        public static final int TASK_SLOT_BYTES_DEFAULT = 512;
        public static final int TIMER_BYTES = 48;
        public static final int RUN_QUEUE_ENTRY_BYTES = 8;

        private final String name;
        private int taskCapacity = 16;
        private int timerCapacity = 64;
        private int taskSlotBytes = TASK_SLOT_BYTES_DEFAULT;
        private int timersPerTurn = TIMERS_PER_TURN_DEFAULT;
        private Clock clock = new VirtualClock();
        private IdleStrategy idleStrategy = IdleStrategy.PARK;
        private long spinNanos = SPIN_NANOS_DEFAULT;
        private LoopObserver observer = LoopObserver.NONE;
        private MemoryBudget budget;

        private Builder(String name) {
            this.name = Objects.requireNonNull(name, "name");
        }

        public Builder taskCapacity(int tasks) {
            if (tasks <= 0) throw new IllegalArgumentException("taskCapacity must be > 0, got " + tasks);
            this.taskCapacity = tasks;
            return this;
        }

        public Builder timerCapacity(int timers) {
            if (timers <= 0) throw new IllegalArgumentException("timerCapacity must be > 0, got " + timers);
            this.timerCapacity = timers;
            return this;
        }

        /** The RAM one task's state machine is declared to take (Embassy sizes its task arena the same way). */
        public Builder taskSlotBytes(int bytes) {
            if (bytes <= 0) throw new IllegalArgumentException("taskSlotBytes must be > 0, got " + bytes);
            this.taskSlotBytes = bytes;
            return this;
        }

        public Builder timersPerTurn(int limit) {
            if (limit <= 0) throw new IllegalArgumentException("timersPerTurn must be > 0, got " + limit);
            this.timersPerTurn = limit;
            return this;
        }

        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        public Builder idleStrategy(IdleStrategy strategy) {
            this.idleStrategy = Objects.requireNonNull(strategy, "strategy");
            return this;
        }

        /** {@link IdleStrategy#BACKOFF}'s spin window after the last work (default 250 us). */
        public Builder spinNanos(long nanos) {
            if (nanos < 0 || nanos > 1_000_000_000L) throw new IllegalArgumentException("spinNanos must be 0..1 s, got " + nanos);
            this.spinNanos = nanos;
            return this;
        }

        public Builder observer(LoopObserver observer) {
            this.observer = LoopObserver.both(this.observer, Objects.requireNonNull(observer, "observer"));
            return this;
        }

        /** Reserves the task pool, run queues and timers in {@code budget} when built. */
        public Builder budget(MemoryBudget budget) {
            this.budget = budget;
            return this;
        }

        public Executor build() {
            if (budget != null) {
                budget.reserve("task slots", taskCapacity, taskSlotBytes);
                budget.reserve("run queues", 2L * taskCapacity, RUN_QUEUE_ENTRY_BYTES);
                budget.reserve("timers", timerCapacity, TIMER_BYTES);
            }
            return new Executor(this);
        }
    }
}
