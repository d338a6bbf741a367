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


    /** One second of the run: each per-second series of the catalog this world produces, by name. */
    public record Sample(double seconds, SortedMap<String, Long> values) {
        public Sample {
            values = java.util.Collections.unmodifiableSortedMap(new java.util.TreeMap<>(values));
        }

        /** The series' value in this second, or null when this world does not produce it. */
        public Long get(String series) {
            return values.get(series);
        }

        public long buffered() {
            return values.getOrDefault("buffered", 0L);
        }

        public long receivedInSecond() {
            return values.getOrDefault("received", 0L);
        }

        public long connectsInSecond() {
            return values.getOrDefault("connects", 0L);
        }
    }
}
