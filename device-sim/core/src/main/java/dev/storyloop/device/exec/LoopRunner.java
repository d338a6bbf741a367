package dev.storyloop.device.exec;

import dev.storyloop.device.time.Clock;
import dev.storyloop.device.time.VirtualClock;

import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * Drives one or several executors on the calling thread, as Agrona's AgentRunner drives agents: it
 * steps whichever has work, and when none has, it idles by its {@link IdleStrategy} until the
 * earliest deadline of all of them (real time) or jumps the shared virtual clock there.
 *
 * <p>Each executor stays single-threaded: the runner binds every executor it steps to its own
 * thread when it starts (and any added later when it is added), so a local wake from any other
 * thread fails loudly. A wake from another thread ({@link Waker#interrupt()}) of any of its
 * executors unparks it. Executors are stepped in the order they were added, one batch each per turn,
 * as the simulated world steps its devices.
 *
 * <p>Everything is bounded: the executors it can hold ({@code executorCapacity}) and its inbox of
 * tasks handed over from other threads ({@link #execute}, {@link #INBOX_CAPACITY}).
 */
public final class LoopRunner {
    /** A parked loop looks at its stop flag at least this often, whatever its deadlines. */
    public static final long PARK_MAX_NANOS = 100_000_000L;
    public static final long SPIN_NANOS_DEFAULT = 250_000L;
    /** Tasks other threads may have waiting for the loop thread at once ({@link #execute}). */
    public static final int INBOX_CAPACITY = 1024;

    private final Clock clock;
    private final VirtualClock virtualClock; // null in real time
    private final IdleStrategy idleStrategy;
    private final long spinNanos;
    private final Executor[] executors;
    private final BooleanSupplier[] finished;
    private final Runnable[] onFinished;
    private final boolean[] worked; // worked since it was last told the loop is idle
    private int count;
    private final ArrayBlockingQueue<Runnable> inbox = new ArrayBlockingQueue<>(INBOX_CAPACITY);
    private final AtomicInteger inboxed = new AtomicInteger(); // the inbox's size without its lock: the loop reads it every turn
    private final LoopSignal signal = new LoopSignal();

    private volatile Thread thread; // the thread in run(), or null
    private volatile boolean stopRequested;
    private long lastWorkNanos; // BACKOFF: when the loop last did something
    // Written by the loop thread only, read by observers (tests, status lines): how the loop idled and worked.
    private volatile long idleSpinTurns;
    private volatile long parks;
    private long turns; // plain: read from other threads it may lag

    /** A runner for up to {@code executorCapacity} executors on {@code clock}, idling by {@code idleStrategy}. */
    public LoopRunner(Clock clock, IdleStrategy idleStrategy, long spinNanos, int executorCapacity) {
        this.clock = Objects.requireNonNull(clock, "clock");
        this.virtualClock = clock instanceof VirtualClock ? (VirtualClock) clock : null;
        this.idleStrategy = Objects.requireNonNull(idleStrategy, "idleStrategy");
        if (spinNanos < 0 || spinNanos > 1_000_000_000L) throw new IllegalArgumentException("spinNanos must be 0..1 s, got " + spinNanos);
        if (executorCapacity <= 0) throw new IllegalArgumentException("executorCapacity must be > 0, got " + executorCapacity);
        this.spinNanos = spinNanos;
        this.executors = new Executor[executorCapacity];
        this.finished = new BooleanSupplier[executorCapacity];
        this.onFinished = new Runnable[executorCapacity];
        this.worked = new boolean[executorCapacity];
    }

    /** A runner for {@code executor} alone that parks when idle. */
    public static LoopRunner of(Executor executor) {
        return of(executor, IdleStrategy.PARK, SPIN_NANOS_DEFAULT);
    }

    /** A runner for {@code executor} alone, idling by {@code idleStrategy}. */
    public static LoopRunner of(Executor executor, IdleStrategy idleStrategy, long spinNanos) {
        LoopRunner runner = new LoopRunner(executor.clock(), idleStrategy, spinNanos, 1);
        runner.add(executor);
        return runner;
    }

    /** Adds an executor that is stepped until the runner stops. */
    public void add(Executor executor) {
        add(executor, null, null);
    }

    /**
     * Adds an executor; after each of its steps, when {@code finished} holds, the runner lets go of it
     * and runs {@code onFinished} (both on the loop thread; either may be null). Before {@link #run}
     * from any thread that owns the runner, during it from the loop thread only (a task handed over
     * with {@link #execute} does that).
     */
    public void add(Executor executor, BooleanSupplier finishedWhen, Runnable onFinished) {
        Objects.requireNonNull(executor, "executor");
        if (executor.clock() != clock) throw new IllegalArgumentException("executor '" + executor.name() + "' runs on another clock");
        Thread loop = thread;
        if (loop != null && loop != Thread.currentThread()) {
            throw new IllegalStateException("executor '" + executor.name() + "' added from thread '" + Thread.currentThread().getName()
                    + "' while the loop runs on '" + loop.getName() + "': hand the add over with execute()");
        }
        if (count == executors.length) {
            throw new IllegalStateException("loop full: " + executors.length + " executors; cannot add '" + executor.name() + "'");
        }
        for (int i = 0; i < count; i++) {
            if (executors[i] == executor) throw new IllegalArgumentException("executor '" + executor.name() + "' added twice");
        }
        if (loop != null) executor.bind(this, signal); // added by the loop itself: bound at once
        executors[count] = executor;
        finished[count] = finishedWhen;
        this.onFinished[count] = onFinished;
        worked[count] = true; // it may have spawned tasks already: tell it when the loop first idles
        count++;
    }

    /**
     * Hands {@code task} to the loop thread, which runs it at its next turn (booting a device there,
     * adding its executor); safe from any thread. Returns false, running nothing, when the inbox is full.
     */
    public boolean execute(Runnable task) {
        if (!inbox.offer(Objects.requireNonNull(task, "task"))) return false;
        inboxed.incrementAndGet();
        signal.wakeUp();
        return true;
    }

    /** Runs until {@code done} holds, or, in virtual time, until nothing can ever run again. */
    public RunResult runUntil(BooleanSupplier done) {
        return run(done, Long.MAX_VALUE);
    }

    /** Runs for {@code durationNanos} of the clock's time (virtual or real). */
    public RunResult runFor(long durationNanos) {
        long deadline = clock.nanos() + durationNanos;
        return run(() -> false, deadline);
    }

    /** Runs on the calling thread until {@code done} holds, the clock reaches {@code untilNanos} or {@link #stop()} was called. */
    public RunResult run(BooleanSupplier done, long untilNanos) {
        Thread me = Thread.currentThread();
        synchronized (this) {
            Thread running = thread;
            if (running != null) throw new IllegalStateException("the loop already runs on thread '" + running.getName() + "'");
            thread = me;
        }
        signal.thread = me;
        Executor outer = null;
        Executor solo = executors.length == 1 ? executors[0] : null;
        try {
            for (int i = 0; i < count; i++) executors[i].bind(this, signal);
            if (solo != null) outer = solo.enterCurrent(); // once per run, not per batch
            return loop(done, untilNanos);
        } finally {
            if (solo != null) solo.exitCurrent(outer);
            for (int i = 0; i < count; i++) executors[i].unbind(this);
            signal.thread = null;
            thread = null;
        }
    }

    private RunResult loop(BooleanSupplier done, long untilNanos) {
        while (true) {
            if (done.getAsBoolean()) return RunResult.DONE;
            if (stopRequested) return RunResult.STOPPED;
            if (clock.nanos() >= untilNanos) return RunResult.TIME_LIMIT;
            turns++;
            int work = runInbox() + stepAll();
            if (work > 0 || anyRunnable()) {
                if (idleStrategy == IdleStrategy.BACKOFF) lastWorkNanos = clock.nanos();
                continue;
            }
            tellIdle();
            if (anyRunnable()) continue;
            if (done.getAsBoolean()) return RunResult.DONE;
            long next = Math.min(earliestDeadlineNanos(), untilNanos);
            if (virtualClock != null) {
                if (next == Long.MAX_VALUE) return RunResult.STALLED;
                virtualClock.advanceTo(next);
            } else {
                idleUntil(next);
            }
        }
    }

    private int runInbox() {
        if (inboxed.get() == 0) return 0;
        int ran = 0;
        Runnable task;
        // At most what is there now: a task that hands over another does not keep the loop here.
        for (int left = inbox.size(); left > 0 && (task = inbox.poll()) != null; left--) {
            inboxed.decrementAndGet();
            task.run();
            ran++;
        }
        return ran;
    }

    /** One batch of each executor that has something runnable or a timer due; returns the work done. */
    private int stepAll() {
        int work = 0;
        long now = clock.nanos();
        for (int i = 0; i < count; i++) {
            Executor executor = executors[i];
            if (!executor.hasRunnable() && executor.nextDeadlineNanos() > now) continue;
            int done = executor.doWork();
            if (done == 0) continue;
            work += done;
            worked[i] = true;
            BooleanSupplier end = finished[i];
            if (end != null && end.getAsBoolean()) removeAt(i--, true);
        }
        return work;
    }

    /**
     * Lets go of {@code executor} without running its {@code onFinished}; on the loop thread (or
     * before the runner runs). Returns false when the runner did not step it.
     */
    public boolean remove(Executor executor) {
        Thread loop = thread;
        if (loop != null && loop != Thread.currentThread()) {
            throw new IllegalStateException("executor '" + executor.name() + "' removed from thread '" + Thread.currentThread().getName()
                    + "' while the loop runs on '" + loop.getName() + "': hand the removal over with execute()");
        }
        for (int i = 0; i < count; i++) {
            if (executors[i] != executor) continue;
            removeAt(i, false);
            return true;
        }
        return false;
    }

    private void removeAt(int i, boolean finishedNow) {
        Executor gone = executors[i];
        Runnable then = onFinished[i];
        System.arraycopy(executors, i + 1, executors, i, count - i - 1);
        System.arraycopy(finished, i + 1, finished, i, count - i - 1);
        System.arraycopy(onFinished, i + 1, onFinished, i, count - i - 1);
        System.arraycopy(worked, i + 1, worked, i, count - i - 1);
        count--;
        executors[count] = null;
        finished[count] = null;
        onFinished[count] = null;
        gone.unbind(this);
        if (finishedNow && then != null) then.run();
    }

    /**
     * Tells the executors that worked since their last idle turn that the loop is idle (where lost
     * wakers are found), or every executor when none did (a turn after a park with nothing to do),
     * so that one executor alone hears of every idle turn, and a fleet pays per event, not per device.
     */
    private void tellIdle() {
        boolean any = false;
        for (int i = 0; i < count; i++) {
            if (!worked[i]) continue;
            any = true;
            worked[i] = false;
            executors[i].idle();
        }
        if (any) return;
        for (int i = 0; i < count; i++) executors[i].idle();
    }

    private boolean anyRunnable() {
        if (inboxed.get() != 0) return true;
        for (int i = 0; i < count; i++) if (executors[i].hasRunnable()) return true;
        return false;
    }

    private long earliestDeadlineNanos() {
        long next = Long.MAX_VALUE;
        for (int i = 0; i < count; i++) next = Math.min(next, executors[i].nextDeadlineNanos());
        return next;
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
                signal.parked = true;
                try {
                    if (anyRunnable() || stopRequested) return; // a wake raced with going to sleep
                    long wait = Math.min(deadlineNanos - clock.nanos(), PARK_MAX_NANOS);
                    if (wait > 0) {
                        parks++;
                        LockSupport.parkNanos(this, wait);
                    }
                } finally {
                    signal.parked = false;
                }
        }
    }

    /**
     * Asks the loop to return {@link RunResult#STOPPED}, now or when it next runs (a stopped runner
     * stays stopped); safe from any thread.
     */
    public void stop() {
        stopRequested = true;
        Thread loop = thread;
        if (loop != null) LockSupport.unpark(loop);
    }

    /** The executors it steps now. Loop thread, or before it runs. */
    public int executors() { return count; }
    /** The thread running the loop now, or null. */
    public Thread thread() { return thread; }
    /** Idle turns the loop spent spinning in {@link IdleStrategy#BACKOFF}'s window after work (not counting SPIN or YIELD). */
    public long idleSpinTurns() { return idleSpinTurns; }
    /** Times the idle loop parked its thread ({@link IdleStrategy#PARK}, or BACKOFF past its window). */
    public long parks() { return parks; }
    /** Turns of the loop so far: each steps every executor with work once. */
    public long turns() { return turns; }
}
