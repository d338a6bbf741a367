package dev.storyloop.device.exec;

import dev.storyloop.device.time.Clock;
import dev.storyloop.device.time.TimerQueue;

import java.util.Objects;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * A single-threaded executor with Rust-async semantics, in the manner of Embassy's: it spawns tasks,
 * takes wakes on two explicit paths and polls what is runnable.
 *
 * <p>Tasks live in a fixed pool reserved at boot; spawning into a full pool is a {@link SpawnError}
 * (or an empty {@link #trySpawn}), never growth. A woken task is queued once, however often it is
 * woken. The run queue is drained in batches: every task queued when a batch starts is polled
 * once, and tasks woken meanwhile (including a task waking itself) wait for the next batch, so one
 * busy task cannot starve the others.
 *
 * <p>Every executor is bound to one loop thread: the thread that built it, until a world or a
 * {@link LoopRunner} binds its own when it starts stepping it. A local wake ({@link Waker#wake()})
 * is checked against that thread on every call and fails loudly, naming both threads, when it comes
 * from another one; a wake from another thread must say so ({@link Waker#interrupt()}) and goes
 * through a bounded lock-free interrupt queue that the loop drains. Nothing picks a path by thread
 * identity: a wrong thread is an error, not a different trace.
 *
 * <p>The executor does not loop by itself: {@link LoopRunner} drives one or several executors with
 * an idle strategy, and a simulated world steps them ({@link #doWork()}, {@link #nextDeadlineNanos()}).
 */
public final class Executor implements Spawner {
    public static final int TIMERS_PER_TURN_DEFAULT = ExecutorBuilder.TIMERS_PER_TURN_DEFAULT;

    private final String name;
    private final Clock clock;
    private final TimerQueue timers;
    private final int timersPerTurn;
    private final TaskSlot[] slots;
    private final int[] freeSlots;
    private int freeCount;
    private final IntRing runQueue;
    private final MpscIntQueue interrupts;
    // The observers, called in order: two fields rather than one composite, which would be one more object of every
    // device to load on every loop event (more than two are composed into the second).
    private LoopObserver observer;
    private LoopObserver secondObserver = LoopObserver.NONE;
    private Runnable readyHook;
    private Runnable changeListener;
    // Tasks the idle checks must look at again, one bit a slot: polled since they last looked, or the
    // last holder of their waker let go of it on the loop thread. A waker let go of on another thread
    // sets changedElsewhere instead, and the next look is at every task.
    private final long[] changed;
    private volatile boolean changedElsewhere = true;
    private Object changesTakenBy;

    private volatile Thread loopThread; // the bound loop thread: local wakes, spawns and steps happen on it only
    private volatile LoopSignal signal; // the runner that steps it, to unpark on an interrupt; null when none parks
    private volatile LoopRunner heldBy; // the runner stepping it now, or null
    private TaskSlot polling;
    private boolean current; // this executor is CURRENT on the loop thread (for a whole run, or one stepped batch)
    private long failures;
    private Throwable lastFailure;

    Executor(ExecutorBuilder b) {
        this.name = b.name;
        this.clock = b.clock;
        this.timers = new TimerQueue(b.timerCapacity);
        this.timersPerTurn = b.timersPerTurn;
        this.slots = new TaskSlot[b.taskCapacity];
        this.freeSlots = new int[b.taskCapacity];
        for (int i = 0; i < slots.length; i++) {
            slots[i] = new TaskSlot(this, i);
            freeSlots[i] = slots.length - 1 - i; // slot 0 is handed out first
        }
        this.freeCount = slots.length;
        this.runQueue = new IntRing(b.taskCapacity);
        this.interrupts = new MpscIntQueue(b.taskCapacity);
        this.observer = b.observer;
        this.loopThread = Thread.currentThread();
        this.changed = new long[(b.taskCapacity + 63) >>> 6];
    }

    // The executor polling on this thread, so that a sleep made inside a poll can read the time it
    // was made at, as Embassy's Timer::after and tokio's sleep do. Set once per run(), or once per batch
    // when the loop is stepped from outside (a simulated world), never per poll.
    private static final ThreadLocal<Executor> CURRENT = new ThreadLocal<>();

    /** The executor whose batch runs on this thread now, or null outside any poll. */
    static Executor current() {
        return CURRENT.get();
    }

    public static ExecutorBuilder builder(String name) {
        return new ExecutorBuilder(name);
    }

    // ---- the loop thread --------------------------------------------------------------------

    /**
     * Binds the calling thread as this executor's loop thread: from now on local wakes, spawns and
     * steps must come from it. A world calls this when it takes the executor in; a runner binds the
     * executors it steps when it starts. Fails when a runner on another thread steps it now.
     */
    public void bindLoopThread() {
        bind(null, null);
    }

    void bind(LoopRunner runner, LoopSignal wakeUp) {
        Thread me = Thread.currentThread();
        LoopRunner holder = heldBy;
        if (holder != null && holder != runner) {
            throw new IllegalStateException("executor '" + name + "' is stepped on thread '" + loopThread.getName()
                    + "'; thread '" + me.getName() + "' cannot take it over");
        }
        loopThread = me;
        signal = wakeUp;
        heldBy = runner;
    }

    /** The runner lets go of the executor; it stays bound to the same thread until bound again. */
    void unbind(LoopRunner runner) {
        if (heldBy != runner) return;
        heldBy = null;
        signal = null;
    }

    /** Marks this executor current on the loop thread for a whole run (a runner stepping it alone). */
    Executor enterCurrent() {
        Executor outer = CURRENT.get();
        CURRENT.set(this);
        current = true;
        return outer;
    }

    void exitCurrent(Executor outer) {
        current = false;
        CURRENT.set(outer);
    }

    /** Fails loudly when the calling thread is not the bound loop thread. */
    private void checkLoopThread(String what) {
        Thread me = Thread.currentThread();
        Thread bound = loopThread;
        if (me != bound) {
            throw new AssertionError("executor '" + name + "': " + what + " on thread '" + me.getName()
                    + "', but its loop thread is '" + bound.getName() + "'"
                    + " (a wake from another thread goes through Waker.interrupt())");
        }
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
        checkLoopThread("spawn of '" + taskName + "'");
        if (freeCount == 0) return Optional.empty();
        TaskSlot slot = slots[freeSlots[--freeCount]];
        int generation = TaskSlot.generationOf(slot.word());
        JoinHandle<T> handle = new JoinHandle<>(this, taskName);
        handle.attach(slot, generation);
        slot.name = taskName;
        slot.future = future;
        slot.waker = new Waker(this, slot.index, generation);
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
        secondObserver.onSpawn(slot, slot.sinceNanos);
        return Optional.of(handle);
    }

    // ---- waking ---------------------------------------------------------------------------

    /** The local path: the loop thread wakes one of its own tasks; only the loop changes localQueued, so no atomics. */
    void wake(Waker waker, WakeSource source) {
        TaskSlot slot = slots[waker.slot];
        if (Thread.currentThread() != loopThread) checkLoopThread("task '" + slot.name + "' woken by " + WakeSource.nameOf(source));
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
        secondObserver.onWake(slot, source, polling == slot, now);
    }

    /**
     * The interrupt path, from any thread (the loop's own included): marks the slot, queues it on
     * the bounded interrupt queue and unparks the runner that steps this executor. The loop takes it
     * in at its next batch.
     */
    void interrupt(Waker waker) {
        TaskSlot slot = slots[waker.slot];
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
        LoopSignal wakeUp = signal;
        if (wakeUp != null) wakeUp.wakeUp();
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
            secondObserver.onWake(slot, WakeSource.INTERRUPT, false, now);
        }
    }

    // ---- the loop -------------------------------------------------------------------------

    /** One turn: polls one batch of runnable tasks, then fires due timers. Returns the work done. */
    public int doWork() {
        return runBatch() + fireTimers();
    }

    /** Polls every task that is runnable now, each once; returns how many were polled. */
    public int runBatch() {
        if (Thread.currentThread() != loopThread) checkLoopThread("a step");
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
        if (fired > 0) {
            observer.onTimersFired(fired, now);
            secondObserver.onTimersFired(fired, now);
        }
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
        secondObserver.onPollStart(slot, slot.wokenAtNanos, start);
        slot.waitedOnBefore = slot.waitingOn;
        slot.waitingOn = null;
        slot.scope = null;
        slot.running = true;
        polling = slot;
        Poll result;
        Object output = null;
        Throwable failure = null;
        try {
            result = slot.future.poll(slot); // the slot is the task's context
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
        markChanged(slot.index);
        long end = clock.nanos();
        slot.sinceNanos = end;
        observer.onPollEnd(slot, result, start, end);
        secondObserver.onPollEnd(slot, result, start, end);
        if (result == Poll.READY) {
            // Rust drops a finished task's future with every child in it; here whatever the
            // children left registered is withdrawn instead.
            slot.withdrawWithin(null);
            if (failure != null && slot.waitingOn == null) slot.waitingOn = slot.waitedOnBefore; // for the report
            observer.onComplete(slot, failure, false, end);
            secondObserver.onComplete(slot, failure, false, end);
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
        long now = clock.nanos();
        observer.onComplete(slot, null, true, now);
        secondObserver.onComplete(slot, null, true, now);
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

    /**
     * Tells the observers that the loop is idle (this is where lost wakers are found). Returns true when
     * one of them must be told at every idle turn, even one with nothing changed since this one
     * ({@link LoopObserver#looksAtEveryIdle}).
     */
    public boolean idle() {
        long now = clock.nanos();
        observer.onIdle(this, now);
        secondObserver.onIdle(this, now);
        return observer.looksAtEveryIdle() || secondObserver.looksAtEveryIdle();
    }

    /**
     * Runs {@code listener} on the loop thread whenever the last holder of a task's waker lets go of it
     * there: a change an idle check must see, which a loop that checked this executor since must know of.
     * A waker let go of on another thread is not told (the next check looks at every task): a simulated
     * world runs all its executors on its own thread. One listener; null removes it.
     */
    public void onChange(Runnable listener) {
        this.changeListener = listener;
    }

    /** Runs alone on the calling thread until {@code done} holds: shorthand for {@code LoopRunner.of(this).runUntil(done)}. */
    public RunResult runUntil(BooleanSupplier done) {
        return LoopRunner.of(this).runUntil(done);
    }

    /** Runs alone on the calling thread for {@code durationNanos}: shorthand for {@code LoopRunner.of(this).runFor(...)}. */
    public RunResult runFor(long durationNanos) {
        return LoopRunner.of(this).runFor(durationNanos);
    }

    /** Runs alone on the calling thread until {@code done} holds or the clock reaches {@code untilNanos}. */
    public RunResult run(BooleanSupplier done, long untilNanos) {
        return LoopRunner.of(this).run(done, untilNanos);
    }

    // ---- what the idle checks look at -------------------------------------------------------

    private void markChanged(int slot) {
        changed[slot >>> 6] |= 1L << slot;
    }

    /** The last holder of a task's waker let go of it (any thread): the task's standing may have changed. */
    void holdersGone(int slot) {
        if (Thread.currentThread() == loopThread) {
            markChanged(slot);
            if (changeListener != null) changeListener.run();
        } else {
            changedElsewhere = true;
        }
    }

    /**
     * Makes {@code taker} the one caller of {@link #forEachTaskToCheck}: true for the first to ask,
     * false for any other (which must then look at every task each time, as a second caller would see
     * only the changes the first left). Loop thread only.
     */
    public boolean takeChanges(Object taker) {
        if (changesTakenBy == null) changesTakenBy = taker;
        return changesTakenBy == taker;
    }

    /**
     * Visits, in slot order, the live tasks whose standing may have changed since the last call (polled,
     * or the last holder of their waker let go of it; a new task is polled before it can wait) and those whose bit is set in {@code also}
     * (null: none), then forgets the changes; every live task when {@code all} is true or when a waker
     * was let go of on another thread since. A task not visited was neither polled nor lost its last
     * waker holder since the last call. For the caller {@link #takeChanges} accepted. Loop thread only.
     */
    public void forEachTaskToCheck(boolean all, long[] also, Consumer<TaskView> visitor) {
        if (all || changedElsewhere) {
            changedElsewhere = false;
            java.util.Arrays.fill(changed, 0L);
            forEachTask(visitor);
            return;
        }
        for (int word = 0; word < changed.length; word++) {
            long bits = changed[word] | (also == null ? 0L : also[word]);
            changed[word] = 0L;
            while (bits != 0) {
                TaskSlot slot = slots[(word << 6) + Long.numberOfTrailingZeros(bits)];
                bits &= bits - 1;
                if ((slot.word() & TaskSlot.SPAWNED) != 0) visitor.accept(slot);
            }
        }
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
    /** Tells the observers of a note about {@code task} (a cancellation, a withdrawal, a full channel). */
    void note(TaskView task, String kind, String subject) {
        long now = clock.nanos();
        observer.onNote(task, kind, subject, now);
        secondObserver.onNote(task, kind, subject, now);
    }
    /** Tasks that ended by throwing; the executor keeps running. */
    public long failures() { return failures; }

    public Throwable lastFailure() { return lastFailure; }
    /** The thread running the loop now (a runner steps it), or null when no runner does. */
    public Thread loopThread() { return heldBy != null ? loopThread : null; }

    /** The thread this executor is bound to: local wakes, spawns and steps must come from it. */
    public Thread boundThread() { return loopThread; }

    /** Adds an observer after construction (before the loop runs). */
    public void addObserver(LoopObserver extra) {
        if (observer == LoopObserver.NONE) observer = extra;
        else if (secondObserver == LoopObserver.NONE) secondObserver = extra;
        else secondObserver = LoopObserver.both(secondObserver, extra);
    }
}
