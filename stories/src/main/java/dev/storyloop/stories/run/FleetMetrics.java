package dev.storyloop.stories.run;

import dev.storyloop.device.diag.Diagnostics;
import dev.storyloop.device.firmware.Device;

import dev.storyloop.device.diag.LongPollReport;
import dev.storyloop.device.diag.LostWakerReport;

import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.ToLongFunction;

/**
 * The metrics both runners take from the devices, their executors' diagnostics and the per-second
 * series, so a claim means the same in the simulated world and live.
 */
final class FleetMetrics {
    private FleetMetrics() {}

    /**
     * {@code device.*} over the fleet (sums, and per-device books against what the gateway received
     * from each device, {@code receivedBy}), the lost-waker and long-poll reports (every task named,
     * the most frequent), poll and wake-to-poll figures. Catalogued in {@link dev.storyloop.stories.catalog.MetricCatalog}.
     */
    static void devices(SortedMap<String, Object> m, List<Device> devices, List<Diagnostics> diagnostics, ToLongFunction<String> receivedBy) {
        long sampled = 0, published = 0, delivered = 0, oldest = 0, newest = 0, reset = 0, buffered = 0, waits = 0, connects = 0,
                losses = 0, refreshes = 0, peak = 0, unaccounted = 0, requests = 0, busy = 0, abandoned = 0, failures = 0, connected = 0;
        long silent = 0, unreceived = 0, deliveredMin = Long.MAX_VALUE, receivedMin = Long.MAX_VALUE;
        for (Device d : devices) {
            long received = receivedBy.applyAsLong(d.config().deviceId());
            if (received == 0) silent++;
            unreceived += Math.max(0, d.stats().sampled() - received);
            receivedMin = Math.min(receivedMin, received);
            deliveredMin = Math.min(deliveredMin, d.stats().delivered());
            failures += d.executor().failures();
            if (d.isConnected()) connected++;
            unaccounted += d.unaccounted();
            sampled += d.stats().sampled();
            published += d.stats().published();
            delivered += d.stats().delivered();
            oldest += d.uplink().stats().droppedOldest();
            newest += d.uplink().stats().droppedNewest();
            reset += d.stats().droppedOnReset();
            buffered += d.buffered();
            waits += d.uplink().stats().sendWaits();
            connects += d.stats().connects();
            losses += d.stats().connectionsLost();
            refreshes += d.stats().refreshes();
            peak = Math.max(peak, d.stats().peakBuffered());
            requests += d.stats().requests();
            busy += d.stats().requestsBusy();
            abandoned += d.stats().requestsAbandoned();
        }
        m.put("device.sampled", sampled);
        m.put("device.published", published);
        m.put("device.delivered", delivered);
        m.put("device.dropped", oldest + newest + reset);
        m.put("device.dropped_oldest", oldest);
        m.put("device.dropped_newest", newest);
        m.put("device.buffered", buffered);
        m.put("device.send_waits", waits);
        m.put("device.connects", connects);
        m.put("device.connections_lost", losses);
        m.put("device.token_refreshes", refreshes);
        m.put("device.peak_buffered", peak);
        m.put("device.unaccounted", unaccounted);
        m.put("device.requests", requests);
        m.put("device.requests_busy", busy);
        m.put("device.requests_abandoned", abandoned);
        m.put("device.task_failures", failures);
        m.put("device.connected", connected);
        m.put("device.silent", silent);
        m.put("device.unreceived", unreceived);
        m.put("device.delivered_min", devices.isEmpty() ? 0L : deliveredMin);
        m.put("gateway.received_min", devices.isEmpty() ? 0L : receivedMin);
        m.put("gateway.received_share", sampled == 0 ? new NoData("no reading was sampled") : (double) receivedTotal(receivedBy, devices) / sampled);

        long lost = 0, longPolls = 0, pollMax = 0, wakeToPoll99 = 0;
        SortedMap<String, Long> lostTasks = new TreeMap<>();
        SortedMap<String, Long> longPollTasks = new TreeMap<>();
        SortedMap<String, Long> longPollNanos = new TreeMap<>();
        for (Diagnostics diag : diagnostics) {
            lost += diag.lostWakerCount();
            longPolls += diag.longPollCount();
            for (LostWakerReport report : diag.lostWakers()) lostTasks.merge(report.task(), 1L, Long::sum);
            for (LongPollReport report : diag.longPolls()) {
                longPollTasks.merge(report.task(), 1L, Long::sum);
                longPollNanos.merge(report.task(), report.durationNanos(), Long::sum);
            }
            // Read without building each device's histogram: a fleet of 100,000 quiet devices would build 100,000 here.
            pollMax = Math.max(pollMax, diag.pollNanosMax());
            wakeToPoll99 = Math.max(wakeToPoll99, diag.scheduleDelayNanosAtPercentile(99));
        }
        m.put("lost_waker_reports", lost);
        m.put("lost_waker_task", mostFrequent(lostTasks));
        m.put("lost_waker_tasks", String.join(", ", lostTasks.keySet()));
        m.put("long_poll_reports", longPolls);
        // The task whose long polls held the loop longest in all, not the one reported most often: live, the
        // supervisor's first poll at boot and other polls of a few milliseconds pass the 10 ms threshold too,
        // more often than the task that stopped the loop for seconds.
        m.put("long_poll_task", mostFrequent(longPollNanos));
        m.put("long_poll_tasks", String.join(", ", longPollTasks.keySet()));
        m.put("poll_duration_max_ms", pollMax / 1e6);
        m.put("wake_to_poll_p99_ms", wakeToPoll99 / 1e6);
    }

    /** Peaks of the per-second series: connects (and reconnects after the first second), frames received. */
    static void series(SortedMap<String, Object> m, List<RunResult.Sample> series) {
        long connectPeak = 0, reconnectPeak = 0, throughputPeak = 0, reconnectSeconds = 0;
        for (RunResult.Sample s : series) {
            connectPeak = Math.max(connectPeak, s.connectsInSecond());
            if (s.seconds() > 1) { // after the boot's first connects
                reconnectPeak = Math.max(reconnectPeak, s.connectsInSecond());
                if (s.connectsInSecond() > 0) reconnectSeconds++;
            }
            throughputPeak = Math.max(throughputPeak, s.receivedInSecond());
        }
        m.put("connect_rate_peak", connectPeak);
        m.put("reconnect_rate_peak", reconnectPeak);
        m.put("reconnect_seconds", reconnectSeconds);
        m.put("throughput_peak", throughputPeak);
    }

    private static long receivedTotal(ToLongFunction<String> receivedBy, List<Device> devices) {
        long total = 0;
        for (Device d : devices) total += receivedBy.applyAsLong(d.config().deviceId());
        return total;
    }

    /** The most frequent name (ties: the first by name); empty when there is none. */
    static String mostFrequent(SortedMap<String, Long> counts) {
        String best = "";
        long most = 0;
        for (Map.Entry<String, Long> e : counts.entrySet()) {
            if (e.getValue() > most) {
                best = e.getKey();
                most = e.getValue();
            }
        }
        return best;
    }

    /**
     * One second of the series: the devices' own figures, the world's {@code gauges} as they are now
     * and its {@code totals} (running counts) as per-second differences; {@code last} holds the
     * previous totals by name.
     */
    static RunResult.Sample sample(double seconds, List<Device> devices, Map<String, Long> totals, Map<String, Long> gauges, Map<String, Long> last) {
        long buffered = 0, connects = 0, sampled = 0, dropped = 0;
        for (Device d : devices) {
            buffered += d.buffered();
            connects += d.stats().connects();
            sampled += d.stats().sampled();
            dropped += d.uplink().stats().droppedOldest() + d.uplink().stats().droppedNewest() + d.stats().droppedOnReset();
        }
        SortedMap<String, Long> values = new TreeMap<>(gauges);
        values.put("buffered", buffered);
        SortedMap<String, Long> running = new TreeMap<>(totals);
        running.put("connects", connects);
        running.put("sampled", sampled);
        running.put("dropped", dropped);
        for (Map.Entry<String, Long> e : running.entrySet()) {
            values.put(e.getKey(), e.getValue() - last.getOrDefault(e.getKey(), 0L));
            last.put(e.getKey(), e.getValue());
        }
        return new RunResult.Sample(seconds, values);
    }
}
