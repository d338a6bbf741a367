package dev.storyloop.device.diag;

import dev.storyloop.device.exec.Closable;
import dev.storyloop.device.exec.Executor;
import dev.storyloop.device.exec.LoopObserver;
import dev.storyloop.device.exec.Poll;
import dev.storyloop.device.exec.TaskView;
import dev.storyloop.device.exec.WaitNode;
import dev.storyloop.device.exec.WakeSource;
import org.HdrHistogram.Histogram;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * What tokio-console and Vert.x's blocked-thread checker give, for this loop.
 *
 * <ul>
 *   <li>Lost wakers: at every idle turn (live: at most once per {@link #IDLE_CHECK_INTERVAL_LIVE_NANOS}), a task that is pending, not queued, and whose waker no
 *       registration holds can never run again; it is reported once per stall with its name and
 *       what it last waited on. A future that keeps {@code cx.waker()} itself counts as a holder
 *       once it calls {@code Waker.retain()}.</li>
 *   <li>Closed waits: at the same idle turns, a pending task waiting on something closed for good
 *       ({@link Closable}, looked for along the {@link WaitNode}s of what it waits on), once per stall.</li>
 *   <li>Failed tasks: a task whose poll threw, with the exception and what it waited on.</li>
 *   <li>Long polls: a poll that took longer than the threshold on the executor's clock (real time
 *       live; virtual time spent by {@code VirtualClock.spend} in simulation), with the loop
 *       thread's stack when a {@link LoopWatchdog} caught it in the act.</li>
 *   <li>Per task: polls, wakes, self-wakes, total and longest poll; for the loop: poll-duration and
 *       schedule-delay (wake to poll) histograms.</li>
 *   <li>{@link #dump()}: one line per task, like a thread dump.</li>
 * </ul>
 * Reports are kept up to a bound and counted beyond it. Loop thread only.
 */
public final class Diagnostics implements LoopObserver {
    public static final long LONG_POLL_THRESHOLD_DEFAULT_NANOS = 10_000_000L;
    public static final int REPORTS_KEPT_MAX = 1000;
    /** How many links of a wait chain the closed-wait check follows (a cycle cannot hang it). */
    public static final int WAIT_CHAIN_DEPTH_MAX = 16;
    private static final long HISTOGRAM_MAX_NANOS = 3_600_000_000_000L;
    /**
     * In real time, the idle checks walk every task at most this often. A live loop under load
     * idles thousands of times a second, and walking each task's wait chain at every one of them
     * cost a device 7.6 % of its loop's samples (JFR of bench/device-loop-cost at QoS 0); a
     * lost waker or a closed wait is a stall that lasts, so it is found as surely 10 ms later (a
     * parked loop turns idle again at least every 100 ms). Virtual time checks at every idle turn,
     * so reports land at the same simulated instant as ever (same traces, same digests).
     */
    public static final long IDLE_CHECK_INTERVAL_LIVE_NANOS = 10_000_000L;

    private final Executor executor;
    private final long longPollThresholdNanos;
    // Per task, one row of FIELDS longs a slot (its counters, and what the idle checks last saw of it):
    // a poll or a wake reads and writes one row, a cache line or two, not one line in each of nine arrays.
    private static final int POLLS = 0;
    private static final int WAKES = 1;
    private static final int SELF_WAKES = 2;
    private static final int POLL_NANOS_TOTAL = 3;
    private static final int POLL_NANOS_MAX = 4;
    private static final int LOST_REPORTED_AT_POLL = 5;
    private static final int CLOSED_REPORTED_AT_POLL = 6;
    // The task's poll count and the counted closes when its wait chain was last walked and found open, every
    // resource along it closable only by a counted close: until either moves, a walk would find the same.
    private static final int OPEN_WAIT_AT_POLL = 7;
    private static final int OPEN_WAIT_AT_CLOSES = 8;
    private static final int FIELDS = 9;
    private final long[] perTask;
    private long idleCloses;
    private long lastIdleCloses = -1;
    private boolean walkCounted;
    // Tasks whose last walk passed a resource that can close uncounted (or stopped at the depth limit),
    // one bit a slot: looked at every idle turn. In virtual time the other tasks are looked at only
    // when the executor says they changed.
    private final long[] walkEveryIdle;
    private final boolean takesChanges;
    // Counters until a value above zero arrives (in simulation, only when a poll spends time), then
    // auto-resizing histograms: a fixed range up to an hour would be 36 KiB each, and even an empty
    // auto-resizing one about 2 KiB, most of a quiet simulated device's heap in a fleet.
    private final LazyHistogram pollDurations = new LazyHistogram(HISTOGRAM_MAX_NANOS);
    private final LazyHistogram scheduleDelays = new LazyHistogram(HISTOGRAM_MAX_NANOS);
    // The reports kept, each list made at its first report (null until then): most devices of a fleet never report.
    private List<LostWakerReport> lostWakers;
    private List<LongPollReport> longPolls;
    private List<FailedTaskReport> failed;
    private List<ClosedWaitReport> closedWaits;
    private long closedWaitCount;
    private long lostWakerCount;
    private long longPollCount;
    private long failedTasks;
    private LoopWatchdog watchdog;
    private Consumer<Object> reportListener = report -> {};
    private final Consumer<TaskView> lostWakerCheck = this::checkLostWaker;
    private long idleNowNanos;
    private long lastIdleCheckNanos = Long.MIN_VALUE;
    private final boolean live;

    private Diagnostics(Executor executor, long longPollThresholdNanos) {
        this.executor = executor;
        this.longPollThresholdNanos = longPollThresholdNanos;
        this.live = !executor.clock().isVirtual();
        int slots = executor.taskCapacity();
        this.perTask = new long[slots * FIELDS];
        this.walkEveryIdle = new long[(slots + 63) >>> 6];
        this.takesChanges = !live && executor.takeChanges(this);
    }

    /** Attaches diagnostics with the default long-poll threshold (10 ms). */
    public static Diagnostics attach(Executor executor) {
        return attach(executor, LONG_POLL_THRESHOLD_DEFAULT_NANOS);
    }

    public static Diagnostics attach(Executor executor, long longPollThresholdNanos) {
        if (longPollThresholdNanos <= 0) throw new IllegalArgumentException("longPollThresholdNanos must be > 0");
        Diagnostics diagnostics = new Diagnostics(executor, longPollThresholdNanos);
        executor.addObserver(diagnostics);
        return diagnostics;
    }

    /** Called with each report as it is made (printing it, failing a test). */
    public Diagnostics onReport(Consumer<Object> listener) {
        this.reportListener = Objects.requireNonNull(listener, "listener");
        return this;
    }

    /** Starts a watchdog thread that captures the loop's stack during long polls (real time only). */
    public LoopWatchdog startWatchdog() {
        if (executor.clock().isVirtual()) throw new IllegalStateException("a watchdog needs real time");
        if (watchdog == null) watchdog = LoopWatchdog.start(executor, longPollThresholdNanos);
        return watchdog;
    }

    @Override
    public void onSpawn(TaskView task, long nowNanos) {
        int row = task.slot() * FIELDS;
        Arrays.fill(perTask, row, row + FIELDS, 0L);
        perTask[row + LOST_REPORTED_AT_POLL] = -1;
        perTask[row + CLOSED_REPORTED_AT_POLL] = -1;
        perTask[row + OPEN_WAIT_AT_POLL] = -1;
    }

    @Override
    public void onWake(TaskView task, WakeSource source, boolean self, long nowNanos) {
        int row = task.slot() * FIELDS;
        perTask[row + WAKES]++;
        if (self) perTask[row + SELF_WAKES]++;
    }

    @Override
    public void onPollStart(TaskView task, long wokenAtNanos, long nowNanos) {
        if (watchdog != null) watchdog.pollStarted(nowNanos);
        long delay = nowNanos - wokenAtNanos;
        if (delay >= 0) scheduleDelays.record(delay);
    }

    @Override
    public void onPollEnd(TaskView task, Poll result, long startNanos, long endNanos) {
        String stack = watchdog == null ? null : watchdog.pollEnded();
        int slot = task.slot();
        long duration = endNanos - startNanos;
        int row = slot * FIELDS;
        perTask[row + POLLS]++;
        perTask[row + POLL_NANOS_TOTAL] += duration;
        if (duration > perTask[row + POLL_NANOS_MAX]) perTask[row + POLL_NANOS_MAX] = duration;
        pollDurations.record(duration);
        if (duration > longPollThresholdNanos) {
            longPollCount++;
            LongPollReport report = new LongPollReport(task.name(), slot, duration, longPollThresholdNanos, startNanos, stack);
            longPolls = keep(longPolls, report);
            reportListener.accept(report);
        }
    }

    @Override
    public void onComplete(TaskView task, Throwable failure, boolean aborted, long nowNanos) {
        if (failure == null) return;
        failedTasks++;
        FailedTaskReport report = new FailedTaskReport(task.name(), task.slot(), task.generation(), failure,
                String.valueOf(task.waitingOn()), task.polls(), nowNanos);
        failed = keep(failed, report);
        reportListener.accept(report);
    }

    @Override
    public void onIdle(Executor idle, long nowNanos) {
        if (live && lastIdleCheckNanos != Long.MIN_VALUE && nowNanos - lastIdleCheckNanos < IDLE_CHECK_INTERVAL_LIVE_NANOS) return;
        lastIdleCheckNanos = nowNanos;
        idleNowNanos = nowNanos;
        idleCloses = Closable.closesCounted();
        if (takesChanges) {
            // A task that was not polled, did not lose its last waker holder and waits along counted resources
            // only, with no counted close since the last turn, would be found as it was then: not looked at.
            idle.forEachTaskToCheck(idleCloses != lastIdleCloses, walkEveryIdle, lostWakerCheck);
        } else {
            idle.forEachTask(lostWakerCheck);
        }
        lastIdleCloses = idleCloses;
    }

    /**
     * True unless every task this executor's checks look at waits along counted resources only and the
     * checks take the executor's changes: then an idle turn with nothing polled, no waker let go of and no
     * counted close since the last would find what the last found, and may be skipped.
     */
    @Override
    public boolean looksAtEveryIdle() {
        if (!takesChanges) return true;
        for (long word : walkEveryIdle) if (word != 0) return true;
        return false;
    }

    private void checkLostWaker(TaskView task) {
        checkClosedWait(task);
        // Holders first, state second. Another thread wakes a task by queueing it and only then releasing
        // its registration; read the other way round, a wake landing between the two reads looks like a
        // pending task nobody holds (a false report, seen live under load).
        if (task.wakerHolders() > 0) return;
        if (task.state() != TaskView.State.PENDING) return;
        int slot = task.slot();
        int row = slot * FIELDS;
        if (perTask[row + LOST_REPORTED_AT_POLL] == task.polls()) return; // already reported for this stall
        perTask[row + LOST_REPORTED_AT_POLL] = task.polls();
        lostWakerCount++;
        LostWakerReport report = new LostWakerReport(task.name(), slot, task.generation(),
                String.valueOf(task.waitingOn()), task.polls(), idleNowNanos, WaitChain.of(task, idleNowNanos).chain());
        lostWakers = keep(lostWakers, report);
        reportListener.accept(report);
    }

    private void checkClosedWait(TaskView task) {
        if (task.state() != TaskView.State.PENDING) return;
        int slot = task.slot();
        int row = slot * FIELDS;
        if (perTask[row + OPEN_WAIT_AT_POLL] == task.polls() && perTask[row + OPEN_WAIT_AT_CLOSES] == idleCloses) return; // nothing along it moved
        Object closed = closedAlong(task.waitingOn());
        if (walkCounted || closed != null) walkEveryIdle[slot >>> 6] &= ~(1L << slot);
        else walkEveryIdle[slot >>> 6] |= 1L << slot;
        if (closed == null) {
            if (walkCounted) {
                perTask[row + OPEN_WAIT_AT_POLL] = task.polls();
                perTask[row + OPEN_WAIT_AT_CLOSES] = idleCloses;
            }
            return;
        }
        if (perTask[row + CLOSED_REPORTED_AT_POLL] == task.polls()) return; // already reported for this stall
        perTask[row + CLOSED_REPORTED_AT_POLL] = task.polls();
        closedWaitCount++;
        ClosedWaitReport report = new ClosedWaitReport(task.name(), slot, task.generation(),
                String.valueOf(task.waitingOn()), task.polls(), idleNowNanos);
        closedWaits = keep(closedWaits, report);
        reportListener.accept(report);
    }

    /**
     * The first closed resource along a wait chain, or null; the chain's length is bounded. Notes in
     * {@link #walkCounted} whether every resource along it can close only by a counted close (a chain
     * is fixed between polls), so that the walk need not be made again until one is.
     */
    private Object closedAlong(Object waitingOn) {
        walkCounted = true;
        Object link = waitingOn;
        for (int depth = 0; link != null; depth++) {
            if (depth == WAIT_CHAIN_DEPTH_MAX) {
                walkCounted = false;
                return null;
            }
            if (link instanceof Closable closable) {
                if (closable.isClosed()) return link;
                if (!closable.closingIsCounted()) walkCounted = false;
            }
            link = link instanceof WaitNode ? ((WaitNode) link).innerWait() : null;
        }
        return null;
    }

    /** Keeps {@code report} in {@code kept} (made now when null), up to {@link #REPORTS_KEPT_MAX}; returns the list. */
    private static <T> List<T> keep(List<T> kept, T report) {
        List<T> list = kept == null ? new ArrayList<>() : kept;
        if (list.size() < REPORTS_KEPT_MAX) list.add(report);
        return list;
    }

    private static <T> List<T> view(List<T> kept) {
        return kept == null ? List.of() : Collections.unmodifiableList(kept);
    }

    public List<FailedTaskReport> failedTaskReports() { return view(failed); }
    public List<ClosedWaitReport> closedWaits() { return view(closedWaits); }
    public long closedWaitCount() { return closedWaitCount; }
    public List<LostWakerReport> lostWakers() { return view(lostWakers); }
    public List<LongPollReport> longPolls() { return view(longPolls); }
    public long lostWakerCount() { return lostWakerCount; }
    public long longPollCount() { return longPollCount; }
    public long failedTasks() { return failedTasks; }
    /** Poll durations on the executor's clock; a new histogram of zeros while no poll took time (read it, do not record into it). */
    public Histogram pollDurations() { return pollDurations.histogram(); }
    /** Delays from a wake to its poll; a new histogram of zeros while every wake was polled at once (read it, do not record into it). */
    public Histogram scheduleDelays() { return scheduleDelays.histogram(); }
    /** The longest poll so far (0 when none took time); unlike {@link #pollDurations()} it builds no histogram. */
    public long pollNanosMax() { return pollDurations.maxValue(); }
    /** The wake-to-poll delay at {@code percentile} (0 while every wake was polled at once); builds no histogram. */
    public long scheduleDelayNanosAtPercentile(double percentile) { return scheduleDelays.valueAtPercentile(percentile); }
    public long polls(int slot) { return perTask[slot * FIELDS + POLLS]; }
    public long wakes(int slot) { return perTask[slot * FIELDS + WAKES]; }
    public long selfWakes(int slot) { return perTask[slot * FIELDS + SELF_WAKES]; }

    /** The share of a task's wakes that came from the task itself during its own poll. */
    public double selfWakeShare(int slot) {
        long wakes = wakes(slot);
        return wakes == 0 ? 0 : (double) selfWakes(slot) / wakes;
    }

    /** Every live task's wait chain at the loop's current time, in slot order. Loop thread only. */
    public List<WaitChain> waitChains() {
        long now = executor.nowNanos();
        List<WaitChain> chains = new ArrayList<>(executor.liveTasks());
        executor.forEachTask(task -> chains.add(WaitChain.of(task, now)));
        return chains;
    }

    public long longPollThresholdNanos() { return longPollThresholdNanos; }
    public long pollNanosMax(int slot) { return perTask[slot * FIELDS + POLL_NANOS_MAX]; }
    public long pollNanosTotal(int slot) { return perTask[slot * FIELDS + POLL_NANOS_TOTAL]; }

    /** One line per live task: state, what it waits on, polls, self-wake share, time in state. */
    public String dump() {
        StringBuilder out = new StringBuilder();
        long now = executor.nowNanos();
        out.append(String.format(Locale.ROOT, "executor '%s' at %.6f s: %d of %d task slots live%n",
                executor.name(), now / 1e9, executor.liveTasks(), executor.taskCapacity()));
        executor.forEachTask(task -> {
            int slot = task.slot();
            String waiting = task.state() == TaskView.State.PENDING
                    ? "waiting on " + task.waitingOn() + (task.wakerHolders() == 0 ? " [NO WAKER HELD]" : "")
                    : "";
            out.append(String.format(Locale.ROOT, "  #%-3d %-20s %-8s polls=%-8d self-wake=%5.1f%% max-poll=%.3fms for %.6fs %s%n",
                    slot, task.name(), task.state(), polls(slot), 100 * selfWakeShare(slot), pollNanosMax(slot) / 1e6,
                    (now - task.sinceNanos()) / 1e9, waiting).stripTrailing()).append('\n');
        });
        return out.toString();
    }
}
