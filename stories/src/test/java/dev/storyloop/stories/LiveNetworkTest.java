package dev.storyloop.stories;

import dev.storyloop.stories.catalog.Metric;
import dev.storyloop.stories.catalog.MetricCatalog;
import dev.storyloop.stories.run.ClaimResult;
import dev.storyloop.stories.run.LiveBroker;
import dev.storyloop.stories.run.NoData;
import dev.storyloop.stories.run.StoryRunner;
import dev.storyloop.testsupport.BrokerConfig;
import dev.storyloop.testsupport.MosquittoBroker;
import dev.storyloop.testsupport.MosquittoExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The network section realised live: latency both ways and a two-way partition that heals, through
 * the fault proxy, with the same claims checked in both worlds (16 s per variant live; the
 * tolerances are stated and explained in the scenario's header). The same run is the differential
 * test of metric parity: every metric both worlds produce is compared, each within the tolerance
 * its group states below, and a metric in no group fails the test (a new shared metric must say
 * how far live may stray, and why).
 */
class LiveNetworkTest {
    /** Books and events: the same scenario must give the same number in both worlds. */
    static final Set<String> EXACT = Set.of("boot_failed", "broker.dropped", "broker.wills", "connect_rate_peak", "device.connected",
            "device.connections_lost", "device.connects", "device.dropped", "device.dropped_newest", "device.dropped_oldest", "device.requests",
            "device.requests_abandoned", "device.requests_busy", "device.send_waits", "device.silent", "device.task_failures",
            "device.token_refreshes", "device.unaccounted", "gateway.command_timeouts", "gateway.commands_acked", "gateway.commands_sent",
            "gateway.command_timeout_share", "gateway.connected", "gateway.duplicates", "gateway.throttles", "gateway.missing", "gateway.reordered",
            "lost_waker_reports", "lost_waker_task", "lost_waker_tasks", "network.lost_on_close", "reconnect_rate_peak", "reconnect_seconds",
            "broker.will_silence_min_s", "broker.will_silence_max_s");
    /**
     * Counts of readings and frames: within 30% (at least 5). Live devices also read while the runner
     * waits for every device to connect before its clock starts (1 to 4 s of a 16 s run on a loaded machine).
     */
    static final Set<String> RELATIVE = Set.of("device.sampled", "device.published", "device.delivered", "device.delivered_min",
            "device.buffered", "device.peak_buffered", "device.unreceived", "gateway.received", "gateway.received_min", "throughput_peak");
    static final double RELATIVE_TOLERANCE = 0.3;
    static final long RELATIVE_FLOOR = 5;
    /** A share of readings: within 0.1 (the readings of the connect wait, of 16 s). */
    static final Set<String> SHARE = Set.of("gateway.received_share");
    static final double SHARE_TOLERANCE = 0.1;
    /**
     * Within 64: the Vert.x gateway takes frames off its event loop in batches, the simulated one a
     * frame at a time; and the broker keeps the previous variant's retained statuses (same device
     * ids), which the gateway refuses as untagged once more per variant.
     */
    static final Set<String> BATCHED = Set.of("gateway.peak_backlog", "gateway.rejected");
    static final long BATCHED_TOLERANCE = 64;
    /**
     * Not compared: the simulated world charges a poll the time the firmware declares, a live poll
     * takes what a shared 2-core machine gives it (JIT, GC, class loading), so these measure the machine.
     */
    static final Set<String> MACHINE_TIME = Set.of("long_poll_reports", "long_poll_task", "long_poll_tasks", "poll_duration_max_ms",
            "wake_to_poll_p99_ms");
    /** Only when boot failed (not here). */
    static final Set<String> ONLY_ON_FAILURE = Set.of("boot_error");

    @RegisterExtension
    static final MosquittoExtension MOSQUITTO = MosquittoExtension.with(BrokerConfig.defaults().withMaxQueuedMessages(0));

    @Test
    void shouldHoldThePartitionAndLatencyClaimsLiveAndSimulated(MosquittoBroker broker) throws Exception {
        Path story = Path.of("src/test/resources/live/partition-latency");
        StoryRunner.StoryResult live = StoryRunner.runLive(story, null, limits -> LiveBroker.external(broker.url()), null);
        StoryRunner.StoryResult simulated = StoryRunner.run(story, null);

        System.out.println("partition and latency: " + describe(live));
        assertThat(live.simulatedClaims()).as("the simulated twin: " + describe(live)).hasSize(8).allMatch(ClaimResult::passes);
        assertThat(live.claims()).as(describe(live)).allMatch(ClaimResult::passes);
        assertThat(live.claimsAgreeing()).isEqualTo(8);
        assertThat(live.metrics().get("partition.realised")).isEqualTo("partition at 4s for 6s");
        assertThat(live.metrics().get("partition.not_realised")).isEqualTo("");
        // The proxy held the packets the partition caught (at most a window of 8 per sensor: the rest waited in RAM).
        assertThat((Long) live.metrics().get("partition.network.held_by_partition")).isBetween(1L, 5L * 8 + 5);
        assertThat(live.metrics().get("latency.network.held_by_partition")).isEqualTo(0L);

        List<String> differences = new ArrayList<>();
        Set<String> shared = new TreeSet<>();
        for (Metric metric : MetricCatalog.all()) {
            if (metric.in(Metric.World.LIVE) && metric.in(Metric.World.SIMULATED)) shared.add(metric.name());
        }
        for (String name : shared) {
            for (String variant : List.of("latency", "partition")) {
                differences.addAll(compare(variant + "." + name, name, simulated.metrics(), live.metrics()));
            }
        }
        System.out.println("metric parity, differences beyond tolerance: " + differences);
        assertThat(differences).isEmpty();
    }

    private static List<String> compare(String key, String name, Map<String, Object> simulated, Map<String, Object> live) {
        if (MACHINE_TIME.contains(name)) return List.of();
        Object s = simulated.get(key);
        Object l = live.get(key);
        if (ONLY_ON_FAILURE.contains(name) && s == null && l == null) return List.of();
        String both = key + ": simulated " + s + ", live " + l;
        if (s == null || l == null) return List.of(both + " (produced in one world only)");
        if (s instanceof NoData || l instanceof NoData) return s.getClass() == l.getClass() ? List.of() : List.of(both);
        if (EXACT.contains(name)) return s.equals(l) ? List.of() : List.of(both);
        double a = ((Number) s).doubleValue();
        double b = ((Number) l).doubleValue();
        if (RELATIVE.contains(name)) return Math.abs(a - b) <= Math.max(RELATIVE_FLOOR, RELATIVE_TOLERANCE * a) ? List.of() : List.of(both);
        if (SHARE.contains(name)) return Math.abs(a - b) <= SHARE_TOLERANCE ? List.of() : List.of(both);
        if (BATCHED.contains(name)) return Math.abs(a - b) <= BATCHED_TOLERANCE ? List.of() : List.of(both);
        return List.of(key + ": shared by both worlds but in no tolerance group of this test");
    }

    private static String describe(StoryRunner.StoryResult result) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < result.claims().size(); i++) {
            ClaimResult c = result.claims().get(i);
            out.append(c.claim().id()).append(" live ").append(c.measured()).append(' ').append(c.verdict())
                    .append(", simulated ").append(result.simulatedClaims().get(i).measured()).append("; ");
        }
        return out.toString();
    }
}
