package dev.storyloop.console;

import dev.storyloop.device.diag.ClosedWaitReport;
import dev.storyloop.device.diag.Diagnostics;
import dev.storyloop.device.diag.FailedTaskReport;
import dev.storyloop.device.diag.LongPollReport;
import dev.storyloop.device.diag.LostWakerReport;
import dev.storyloop.device.diag.WaitChain;
import dev.storyloop.device.exec.Executor;
import dev.storyloop.device.exec.LoopObserver;
import dev.storyloop.device.exec.TaskView;
import dev.storyloop.device.exec.WakeSource;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.HdrHistogram.Histogram;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The console's view of one running executor: a loop observer that, while someone watches, turns
 * the diagnostics into a JSON snapshot a few times a second, and keeps the latest warnings.
 *
 * <p>Everything that reads the executor runs on its loop thread (in {@link #onIdle} and every
 * {@link #POLLS_PER_CHECK} polls), because tasks and diagnostics are loop-thread only; the console's
 * threads only read the published, immutable snapshot and the warnings under a lock. Nobody
 * watching costs one comparison per idle turn; not attaching the probe at all costs nothing.
 */
public final class LiveProbe implements LoopObserver {
    public static final long PUBLISH_EVERY_NANOS = 250_000_000L;
    public static final long WATCH_LEASE_NANOS = 5_000_000_000L;
    public static final int POLLS_PER_CHECK = 1024;
    public static final int WAKE_SOURCES_MAX = 32;
    public static final int WARNINGS_KEPT_MAX = 200;
    /** A queue at its bound is warned about once per channel in this much of the executor's time. */
    public static final long QUEUE_WARNING_EVERY_NANOS = 10_000_000_000L;
    /** A task is warned about when at least this share of its wakes were its own, over at least {@link #SELF_WAKES_MIN} wakes. */
    public static final double SELF_WAKE_SHARE_WARN = 0.5;
    public static final long SELF_WAKES_MIN = 64;
    public static final int QUEUES_TRACKED_MAX = 64;

    private final String name;
    private final Executor executor;
    private final Diagnostics diagnostics;
    private final String memoryMap;
    // Loop thread only: wakes by source name (sorted for a stable page; bounded, the rest is "other").
    private final Map<String, long[]> wakesBySource = new TreeMap<>();
    private final Map<String, long[]> queueWarnedAt = new TreeMap<>(); // channel -> when last warned (bounded)
    private final long[] selfWakeWarnedGeneration; // per slot: the generation last warned + 1, 0 for none
    private long nextPublishNanos;
    private int pollsSinceCheck;
    // Shared with the console's threads.
    private volatile long watchedUntilNanos = Long.MIN_VALUE; // on System.nanoTime, renewed by each watcher
    private volatile JsonObject snapshot;
    private final ArrayDeque<JsonObject> warnings = new ArrayDeque<>();
    private long warningSequence;
    private long warningsDropped;

    public LiveProbe(String name, Executor executor, Diagnostics diagnostics, String memoryMap) {
        this.name = name;
        this.executor = executor;
        this.diagnostics = diagnostics;
        this.memoryMap = memoryMap;
        this.selfWakeWarnedGeneration = new long[executor.taskCapacity()];
    }

    /** Attaches a probe to a device's executor and routes its diagnostics' reports to it; call before the loop runs. */
    public static LiveProbe attach(String name, Executor executor, Diagnostics diagnostics, String memoryMap) {
        LiveProbe probe = new LiveProbe(name, executor, diagnostics, memoryMap);
        executor.addObserver(probe);
        diagnostics.onReport(probe::report);
        return probe;
    }

    public String name() { return name; }

    /** Someone looks: publish snapshots for the next few seconds. Any thread. */
    public void watch() {
        watchedUntilNanos = System.nanoTime() + WATCH_LEASE_NANOS;
    }

    /** The latest snapshot, or null before the first one after {@link #watch()}. */
    public JsonObject snapshot() {
        return snapshot;
    }

    /** Warnings with a sequence number above {@code after}, oldest first. */
    public synchronized List<JsonObject> warningsAfter(long after) {
        List<JsonObject> out = new ArrayList<>();
        for (JsonObject w : warnings) if (w.getLong("seq") > after) out.add(w);
        return out;
    }

    @Override
    public void onWake(TaskView task, WakeSource source, boolean self, long nowNanos) {
        String key = source.wakeSourceName();
        long[] count = wakesBySource.get(key);
        if (count == null) {
            if (wakesBySource.size() >= WAKE_SOURCES_MAX) key = "other";
            count = wakesBySource.computeIfAbsent(key, k -> new long[1]);
        }
        count[0]++;
    }

    /** A channel that refused, dropped or made a sender wait is at its bound: worth a warning, now and then. */
    @Override
    public void onNote(TaskView task, String kind, String subject, long nowNanos) {
        if (!kind.equals("chan.full") && !kind.startsWith("chan.drop")) return;
        long[] last = queueWarnedAt.get(subject);
        if (last == null) {
            if (queueWarnedAt.size() >= QUEUES_TRACKED_MAX) return; // beyond the bound, the first ones speak for the rest
            last = new long[] {Long.MIN_VALUE};
            queueWarnedAt.put(subject, last);
        }
        if (last[0] != Long.MIN_VALUE && nowNanos - last[0] < QUEUE_WARNING_EVERY_NANOS) return;
        last[0] = nowNanos;
        String who = task == null ? "" : task.name() + "#" + task.slot() + "." + task.generation();
        keep(new JsonObject().put("device", name).put("kind", "queue-at-bound").put("task", who).put("atS", nowNanos / 1e9)
                .put("waitsOn", subject).put("message", String.format(java.util.Locale.ROOT,
                        "queue at its bound: %s (%s) at %.6f s", subject, kind, nowNanos / 1e9)));
    }

    @Override
    public void onPollEnd(TaskView task, dev.storyloop.device.exec.Poll result, long startNanos, long endNanos) {
        int slot = task.slot();
        long wakes = diagnostics.wakes(slot);
        if (wakes >= SELF_WAKES_MIN && selfWakeWarnedGeneration[slot] != task.generation() + 1L
                && diagnostics.selfWakeShare(slot) >= SELF_WAKE_SHARE_WARN) {
            selfWakeWarnedGeneration[slot] = task.generation() + 1L;
            String who = task.name() + "#" + slot + "." + task.generation();
            keep(new JsonObject().put("device", name).put("kind", "self-wake").put("task", who).put("atS", endNanos / 1e9).put("waitsOn", "")
                    .put("message", String.format(java.util.Locale.ROOT, "self-wake: task '%s' woke itself in %.0f%% of its %d wakes (at %.6f s)",
                            task.name(), 100 * diagnostics.selfWakeShare(slot), wakes, endNanos / 1e9)));
        }
        if (++pollsSinceCheck >= POLLS_PER_CHECK) {
            pollsSinceCheck = 0;
            maybePublish(endNanos); // a loop that never idles still shows up
        }
    }

    @Override
    public void onIdle(Executor idle, long nowNanos) {
        maybePublish(nowNanos);
    }

    private void maybePublish(long nowNanos) {
        if (nowNanos < nextPublishNanos) return;
        if (System.nanoTime() - watchedUntilNanos > 0) return; // nobody is looking
        nextPublishNanos = nowNanos + PUBLISH_EVERY_NANOS;
        snapshot = build(nowNanos);
    }

    /** The snapshot of this executor now. Loop thread only. */
    JsonObject build(long nowNanos) {
        return describe(name, executor, diagnostics, memoryMap, wakesBySource, nowNanos);
    }

    /**
     * One executor as the page shows it: its tasks with their wait chains and counters, the
     * loop's histograms, wakes by source (null when not counted) and the memory map. On the
     * executor's thread (or between steps of a simulated world).
     */
    static JsonObject describe(String name, Executor executor, Diagnostics diagnostics, String memoryMap,
                               Map<String, long[]> wakesBySource, long nowNanos) {
        JsonArray tasks = new JsonArray();
        executor.forEachTask(task -> {
            int slot = task.slot();
            WaitChain chain = WaitChain.of(task, nowNanos);
            tasks.add(new JsonObject()
                    .put("task", chain.task())
                    .put("state", task.state().name())
                    .put("waitsOn", chain.links().isEmpty() ? "" : chain.chain().substring(chain.task().length() + 4))
                    .put("waitedS", chain.waitedNanos() / 1e9)
                    .put("wakerHolders", task.wakerHolders())
                    .put("noWaker", chain.noWakerHeld())
                    .put("polls", diagnostics.polls(slot))
                    .put("wakes", diagnostics.wakes(slot))
                    .put("selfWakeShare", diagnostics.selfWakeShare(slot))
                    .put("maxPollMs", diagnostics.pollNanosMax(slot) / 1e6));
        });
        JsonObject wakes = new JsonObject();
        long total = 0, self = 0;
        if (wakesBySource != null) for (Map.Entry<String, long[]> e : wakesBySource.entrySet()) wakes.put(e.getKey(), e.getValue()[0]);
        for (int slot = 0; slot < executor.taskCapacity(); slot++) {
            total += diagnostics.wakes(slot);
            self += diagnostics.selfWakes(slot);
        }
        return new JsonObject()
                .put("name", name)
                .put("nowS", nowNanos / 1e9)
                .put("liveTasks", executor.liveTasks())
                .put("taskCapacity", executor.taskCapacity())
                .put("tasks", tasks)
                .put("pollTime", histogram(diagnostics.pollDurations()))
                .put("scheduleDelay", histogram(diagnostics.scheduleDelays()))
                .put("wakesBySource", wakes)
                .put("selfWakeShare", total == 0 ? 0.0 : (double) self / total)
                .put("lostWakers", diagnostics.lostWakerCount())
                .put("longPolls", diagnostics.longPollCount())
                .put("memoryMap", memoryMap);
    }

    private static JsonObject histogram(Histogram h) {
        JsonObject out = new JsonObject().put("count", h.getTotalCount());
        if (h.getTotalCount() == 0) return out;
        return out.put("p50us", h.getValueAtPercentile(50) / 1e3).put("p90us", h.getValueAtPercentile(90) / 1e3)
                .put("p99us", h.getValueAtPercentile(99) / 1e3).put("maxUs", h.getMaxValue() / 1e3);
    }

    /** A diagnostics report, kept for the page (the loop thread calls it). */
    void report(Object report) {
        keep(warning(name, report, executor.nowNanos()));
    }

    private void keep(JsonObject w) {
        synchronized (this) {
            w.put("seq", ++warningSequence);
            if (warnings.size() == WARNINGS_KEPT_MAX) {
                warnings.pollFirst();
                warningsDropped++;
            }
            warnings.addLast(w);
        }
    }

    /** A diagnostics report as the page lists it (without its sequence number). */
    static JsonObject warning(String device, Object report, long nowNanos) {
        String kind = report instanceof LostWakerReport ? "lost-waker" : report instanceof LongPollReport ? "long-poll"
                : report instanceof FailedTaskReport ? "failed-task" : report instanceof ClosedWaitReport ? "closed-wait" : "warning";
        String task = report instanceof LostWakerReport r ? r.task() + "#" + r.slot() + "." + r.generation()
                : report instanceof LongPollReport r ? r.task() + "#" + r.slot()
                : report instanceof FailedTaskReport r ? r.task() + "#" + r.slot() + "." + r.generation()
                : report instanceof ClosedWaitReport r ? r.task() + "#" + r.slot() + "." + r.generation() : "";
        // The chain without its first link, the task, which the warning names already.
        String chain = report instanceof LostWakerReport r ? r.waitChain().substring(Math.min(r.waitChain().length(),
                r.waitChain().indexOf(" -> ") < 0 ? r.waitChain().length() : r.waitChain().indexOf(" -> ") + 4)) : "";
        long at = report instanceof LostWakerReport r ? r.atNanos() : report instanceof LongPollReport r ? r.atNanos()
                : report instanceof FailedTaskReport r ? r.atNanos() : report instanceof ClosedWaitReport r ? r.atNanos() : nowNanos;
        return new JsonObject().put("device", device).put("kind", kind).put("task", task)
                .put("atS", at / 1e9).put("waitsOn", chain).put("message", report.toString());
    }

    public synchronized long warningsDropped() { return warningsDropped; }
}
