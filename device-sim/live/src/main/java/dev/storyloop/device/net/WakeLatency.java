package dev.storyloop.device.net;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * Wake latency of a live transport: from the moment a Paho callback thread handed an event over
 * (connected, delivered, message) to the moment the waiting task's poll took it.
 *
 * <p>The loop thread records into a {@link Recorder} (wait-free); readers on other threads (the
 * status printer, the summary) take the interval since their last look, or the total.
 */
public final class WakeLatency {
    private static final long HIGHEST_NANOS = 60_000_000_000L;
    private final Recorder recorder = new Recorder(HIGHEST_NANOS, 3);
    private final Histogram total = new Histogram(HIGHEST_NANOS, 3);
    private final Histogram sinceLastInterval = new Histogram(HIGHEST_NANOS, 3);
    private Histogram recycled;

    /** Loop thread: one event, handed over at {@code handedOverNanos} ({@link System#nanoTime()}), taken now. */
    void record(long handedOverNanos) {
        long latency = System.nanoTime() - handedOverNanos;
        recorder.recordValue(Math.min(Math.max(latency, 0), HIGHEST_NANOS));
    }

    /** Reader side: the events since the previous call. */
    public synchronized Histogram interval() {
        drain();
        Histogram interval = sinceLastInterval.copy();
        sinceLastInterval.reset();
        return interval;
    }

    /** Reader side: every event so far. */
    public synchronized Histogram total() {
        drain();
        return total.copy();
    }

    private void drain() {
        recycled = recorder.getIntervalHistogram(recycled);
        total.add(recycled);
        sinceLastInterval.add(recycled);
    }
}
