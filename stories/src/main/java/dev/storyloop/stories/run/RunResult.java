package dev.storyloop.stories.run;

import dev.storyloop.device.memory.Reservation;

import java.util.List;
import java.util.SortedMap;

/**
 * What one variant's run measured: named metrics (numbers and texts), per-second series and the
 * publish latency curve for the plots, the trace digest, and the first device's memory map.
 */
public record RunResult(String variant, SortedMap<String, Object> metrics, List<Sample> series, String digest, String memoryMap,
                        double[] latencyPercentilesMs, List<Reservation> memory, long ramBytes) {
    /** The latency curve's points: {@code latencyPercentilesMs[p]} is the p-th percentile, p = 0..100 (empty: none measured). */
    public static final double[] NO_LATENCIES = new double[0];


    /** One second of the run. */
    public record Sample(double seconds, long buffered, long receivedInSecond, long connectsInSecond) {}
}
