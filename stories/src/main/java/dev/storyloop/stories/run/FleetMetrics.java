package dev.storyloop.stories.run;

import dev.storyloop.device.diag.Diagnostics;
import dev.storyloop.device.firmware.Device;

import java.util.List;
import java.util.SortedMap;

/**
 * The metrics both runners take from the devices, their executors' diagnostics and the per-second
 * series, so a claim means the same in the simulated world and live.
 */
final class FleetMetrics {
    private FleetMetrics() {}

    /** {@code device.*} sums over the fleet, the lost-waker and long-poll reports (first task named), poll and wake-to-poll figures. */
    static void devices(SortedMap<String, Object> m, List<Device> devices, List<Diagnostics> diagnostics) {
        long sampled = 0, published = 0, delivered = 0, oldest = 0, newest = 0, reset = 0, buffered = 0, waits = 0, connects = 0,
                losses = 0, refreshes = 0, peak = 0, unaccounted = 0, requests = 0, busy = 0, abandoned = 0, failures = 0, connected = 0;
        for (Device d : devices) {
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

        long lost = 0, longPolls = 0, pollMax = 0, wakeToPoll99 = 0, longestPoll = 0;
        String lostTask = "", longPollTask = "";
        for (Diagnostics diag : diagnostics) {
            lost += diag.lostWakerCount();
            longPolls += diag.longPollCount();
            if (lostTask.isEmpty() && !diag.lostWakers().isEmpty()) lostTask = diag.lostWakers().get(0).task();
            // The task named is the one whose poll held the loop longest, not the first reported: live, the
            // supervisor's first poll at boot (class loading, the Paho client's set-up) also passes the
            // threshold, by milliseconds, and would be named instead of the task that stopped the loop for seconds.
            for (dev.storyloop.device.diag.LongPollReport report : diag.longPolls()) {
                if (report.durationNanos() > longestPoll) {
                    longestPoll = report.durationNanos();
                    longPollTask = report.task();
                }
            }
            pollMax = Math.max(pollMax, diag.pollDurations().getMaxValue());
            wakeToPoll99 = Math.max(wakeToPoll99, diag.scheduleDelays().getValueAtPercentile(99));
        }
        m.put("lost_waker_reports", lost);
        m.put("lost_waker_task", lostTask);
        m.put("long_poll_reports", longPolls);
        m.put("long_poll_task", longPollTask);
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

    /** One second of the series from running totals; {@code last} holds the previous totals (received, connects). */
    static RunResult.Sample sample(double seconds, List<Device> devices, long receivedTotal, long[] last) {
        long buffered = 0, connects = 0;
        for (Device d : devices) {
            buffered += d.buffered();
            connects += d.stats().connects();
        }
        RunResult.Sample s = new RunResult.Sample(seconds, buffered, receivedTotal - last[0], connects - last[1]);
        last[0] = receivedTotal;
        last[1] = connects;
        return s;
    }
}
