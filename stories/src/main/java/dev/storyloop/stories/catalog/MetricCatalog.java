package dev.storyloop.stories.catalog;

import dev.storyloop.device.sim.DropReason;
import dev.storyloop.gateway.core.GatewayMetric;
import dev.storyloop.stories.catalog.Metric.Kind;
import dev.storyloop.stories.catalog.Metric.World;

import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Every metric the story runners produce, and every per-second series a story can plot, declared
 * once. The runners fill metrics by these names; claims are checked against this list before a run;
 * {@code storyloop metrics}, {@code stories/METRICS.md}, the key-metrics table of {@code summary.md}
 * and the scenario template are generated from it. A test runs the stories and fails if a runner
 * produces a metric missing here, or if one declared here is not produced in a world it names.
 */
public final class MetricCatalog {
    private static final Set<World> BOTH = EnumSet.allOf(World.class);
    private static final Set<World> SIM = EnumSet.of(World.SIMULATED);
    private static final Set<World> LIVE = EnumSet.of(World.LIVE);

    /** One per-second series of a run, plotted when a scenario lists it under {@code plots}. */
    public record Series(String name, String unit, String title, String meaning, Set<World> worlds) {
        public boolean in(World world) {
            return worlds.contains(world);
        }
    }

    private static final Map<String, Metric> METRICS = new LinkedHashMap<>();
    private static final Map<String, Series> SERIES = new LinkedHashMap<>();

    static {
        // The fleet's devices: sums over every device unless the aggregate says otherwise.
        device("device.sampled", "readings", Kind.COUNT, "readings the devices' samplers took", "sum");
        device("device.published", "frames", Kind.COUNT, "telemetry frames the devices handed to MQTT (retries not counted again)", "sum");
        device("device.delivered", "frames", Kind.COUNT, "frames the broker acknowledged (QoS 1) or that were sent (QoS 0)", "sum");
        device("device.delivered_min", "frames", Kind.COUNT, "the fewest frames any one device delivered (0: some device delivered nothing)", "min over devices");
        device("device.dropped", "readings", Kind.COUNT, "readings a device threw away: queue overflow (oldest or newest) and resets", "sum");
        device("device.dropped_oldest", "readings", Kind.COUNT, "readings dropped by drop-oldest when the queue was full", "sum");
        device("device.dropped_newest", "readings", Kind.COUNT, "readings dropped by drop-newest when the queue was full", "sum");
        device("device.buffered", "frames", Kind.GAUGE, "frames still held in device RAM at the end (queue and publish window)", "sum");
        device("device.peak_buffered", "frames", Kind.PEAK, "the most frames one device held in RAM at once (at most capacity + window)", "max over devices");
        device("device.send_waits", "waits", Kind.COUNT, "times a sampler waited for room in a full queue (policy block)", "sum");
        device("device.connects", "connects", Kind.COUNT, "successful MQTT connects, the first one included", "sum");
        device("device.connections_lost", "losses", Kind.COUNT, "connections a device saw die (keepalive, broker gone, partition)", "sum");
        device("device.connected", "devices", Kind.GAUGE, "devices connected at the end", "count of devices");
        device("device.token_refreshes", "refreshes", Kind.COUNT, "auth tokens renewed", "sum");
        device("device.unaccounted", "readings", Kind.COUNT,
                "readings a device's own books cannot place: sampled minus delivered, dropped and still held", "sum");
        device("device.requests", "requests", Kind.COUNT, "signed requests (commands) a device started to answer", "sum");
        device("device.requests_busy", "requests", Kind.COUNT, "requests refused because every request slot was taken", "sum");
        device("device.requests_abandoned", "requests", Kind.COUNT, "requests a device gave up at its request-timeout", "sum");
        device("device.task_failures", "tasks", Kind.COUNT, "executor tasks that ended with an exception", "sum");
        device("device.silent", "devices", Kind.COUNT,
                "devices the gateway received no reading from by the end (a device that never sends shows here, never in gateway.missing)",
                "count of devices");
        device("device.unreceived", "readings", Kind.COUNT,
                "readings sampled but not received by the gateway by the end, from each device's books (dropped, held, lost, never sent)",
                "sum over devices of max(0, sampled - received)");
        metric("device.inbound_dropped", "messages", Kind.COUNT, "inbound MQTT messages a live device's bounded queue refused", LIVE, "sum", null);

        // The executor's diagnostics, over every device.
        device("lost_waker_reports", "reports", Kind.COUNT, "lost-waker reports: a pending task nothing can wake", "sum");
        device("lost_waker_task", "task", Kind.NAME, "the task named most often by lost-waker reports (ties: first by name; empty: none)",
                "most frequent over all reports");
        device("lost_waker_tasks", "tasks", Kind.SET, "every task named by a lost-waker report, sorted, comma-separated (empty: none)",
                "union over all reports");
        device("long_poll_reports", "reports", Kind.COUNT, "polls longer than 10 ms: the loop stood still", "sum");
        device("long_poll_task", "task", Kind.NAME, "the task whose long polls held the loop longest in all (ties: first by name; empty: none)",
                "largest total long-poll time over all reports");
        device("long_poll_tasks", "tasks", Kind.SET, "every task named by a long-poll report, sorted, comma-separated (empty: none)",
                "union over all reports");
        device("poll_duration_max_ms", "ms", Kind.DURATION, "the longest single poll of any task", "max over devices");
        device("wake_to_poll_p99_ms", "ms", Kind.DURATION, "99th percentile of the delay from a wake to the poll it caused", "max over devices");

        // From the per-second series.
        device("connect_rate_peak", "connects/s", Kind.PEAK, "the most device connects in one second, the boot included", "fleet, per second");
        device("reconnect_rate_peak", "connects/s", Kind.PEAK, "the most device connects in one second after the first second", "fleet, per second");
        device("reconnect_seconds", "seconds", Kind.COUNT,
                "how many seconds (after the first) saw at least one device connect: a count of busy seconds, not a span", "fleet, per second");
        device("throughput_peak", "frames/s", Kind.PEAK,
                "the most telemetry frames the gateway accepted in one second (with cost-per-frame it cannot exceed 1 / cost)", "fleet, per second");

        // The gateway.
        gateway("gateway.connected", Kind.FLAG, "1 if the gateway's MQTT side was connected at the end", BOTH, GatewayMetric.MQTT);
        gateway("gateway.received", Kind.COUNT, "telemetry frames the gateway accepted (new or late), all devices", BOTH, GatewayMetric.RECEIVED);
        gateway("gateway.received_min", Kind.COUNT, "the fewest readings the gateway accepted from any one device (0: a silent device)", BOTH, null);
        gateway("gateway.missing", Kind.COUNT,
                "sequence numbers skipped below the highest received, per device, summed: blind to a device that never sends and to readings after "
                        + "the last one received (use device.unreceived for the books)", BOTH, GatewayMetric.MISSING);
        gateway("gateway.duplicates", Kind.COUNT, "telemetry frames received again (replays)", BOTH, GatewayMetric.DUPLICATES);
        gateway("gateway.reordered", Kind.COUNT, "telemetry frames that arrived after a higher sequence number", BOTH, GatewayMetric.REORDERED);
        gateway("gateway.rejected", Kind.COUNT, "inputs the gateway refused, all reasons", BOTH, GatewayMetric.REJECTED);
        gateway("gateway.throttles", Kind.COUNT, "times flow control started throttling the devices", BOTH, GatewayMetric.THROTTLES);
        gateway("gateway.peak_backlog", Kind.PEAK, "the most frames ever waiting in the gateway's ingest queue", BOTH, GatewayMetric.PEAK_BACKLOG);
        gateway("gateway.commands_sent", Kind.COUNT, "commands the gateway sent", BOTH, GatewayMetric.COMMANDS_SENT);
        gateway("gateway.commands_acked", Kind.COUNT, "commands a device acknowledged in time", BOTH, GatewayMetric.COMMANDS_ACKED);
        gateway("gateway.command_timeouts", Kind.COUNT, "commands with no acknowledgement before the gateway's timeout", BOTH,
                GatewayMetric.COMMANDS_TIMED_OUT);
        metric("gateway.command_timeout_share", "share", Kind.RATIO,
                "command_timeouts / commands_sent; no data when no command was sent", BOTH, "fleet", null);
        metric("gateway.received_share", "share", Kind.RATIO,
                "gateway.received / device.sampled; no data when no reading was taken", BOTH, "fleet", null);

        // The simulated broker and network.
        metric("broker.dropped", "messages", Kind.COUNT, "messages the broker dropped, all reasons (live: Mosquitto's "
                + "$SYS/broker/publish/messages/dropped as the gateway read it, which has no reasons)", BOTH, "broker", null);
        for (DropReason reason : DropReason.values()) {
            broker("broker.dropped." + reason.label(), "messages the broker dropped: " + reason.label().replace('-', ' ')
                    + (reason == DropReason.QUEUE_FULL ? " (never with max-queued: 0, which means unlimited, as in Mosquitto)" : ""));
        }
        metric("broker.wills", "messages", Kind.COUNT, "last wills the broker published (live: the status 'offline' wills a subscriber next "
                + "to the gateway saw arrive, retained ones left by earlier runs not counted)", BOTH, "broker", null);
        metric("broker.will_silence_min_s", "s", Kind.DURATION, "the shortest time from a client's last packet to its will (live: from its "
                + "last telemetry to its will, as a subscriber next to the gateway sees them); no data when no will was published", BOTH,
                "broker", null);
        metric("broker.will_silence_max_s", "s", Kind.DURATION, "the longest such time; with Mosquitto 2.0 and a 2 s keepalive a silent "
                + "client's will comes 3 to 9 s after its last packet; no data when no will was published", BOTH, "broker", null);
        broker("broker.unrouted", "publishes that matched no subscription");
        // Device faults (devices.power-cuts), watched while a board is down, to 100 ms; the simulated world only.
        metric("device.power_cuts", "cuts", Kind.COUNT, "power cuts (devices.power-cuts) that happened before the end", SIM, "sum", null);
        metric("broker.retained_online_while_down", "devices", Kind.COUNT,
                "cut devices whose retained status at the broker still said online when power returned or the run ended", SIM, "count of devices", null);
        metric("broker.retained_online_down_seconds", "s", Kind.DURATION,
                "the longest time a powered-off device's retained status at the broker said online", SIM, "max over power cuts", null);
        metric("gateway.believed_online_after_cut_seconds", "s", Kind.DURATION,
                "the longest time the gateway's liveness still said online after a device lost power", SIM, "max over power cuts", null);
        metric("gateway.marked_down_after_cut", "devices", Kind.COUNT,
                "cut devices the gateway marked stale or offline while they were down", SIM, "count of devices", null);
        metric("broker.held", "messages", Kind.GAUGE, "QoS 1 messages in flight or queued at the broker at the end", SIM, "broker", null);
        metric("network.lost_on_close", "packets", Kind.COUNT, "packets in flight on a link when it closed (live: MQTT packets the fault "
                + "proxy still held for a side that closed)", BOTH, "world", null);
        metric("network.retransmits", "packets", Kind.COUNT, "retransmissions the fault proxy realised for network.loss (each one a "
                + "retransmission timeout of delay, doubling per retry)", LIVE, "world", null);
        metric("network.held_by_partition", "packets", Kind.COUNT, "MQTT packets the fault proxy held until a partition ended", LIVE, "world", null);
        metric("network.pauses_at_bound", "pauses", Kind.COUNT, "times a proxied direction held send-buffer bytes (towards a client: 16 MiB, "
                + "the broker's queue) and stopped reading from its sender", LIVE, "world", null);
        metric("publish_latency_p50_ms", "ms", Kind.DURATION, "median time from a reading taken to its frame at the gateway", SIM, "all frames", null);
        metric("publish_latency_p99_ms", "ms", Kind.DURATION, "99th percentile of that time", SIM, "all frames", null);
        metric("publish_latency_max_ms", "ms", Kind.DURATION, "the longest of that time", SIM, "all frames", null);
        metric("boot_failed", "flag", Kind.FLAG, "1 if the firmware did not fit the device's RAM and boot failed (then no other metric)", BOTH,
                "any device", null);
        metric("boot_error", "text", Kind.TEXT, "the memory map's overflow message, when boot failed (only then)", BOTH, "first device", null);

        // The live world's own accounts.
        metric("world", "text", Kind.TEXT, "\"live\" in a live run", LIVE, "run", null);
        metric("realised", "text", Kind.TEXT, "the scenario's events the live run realised (broker restarts, gateway stops)", LIVE, "run", null);
        metric("not_realised", "text", Kind.TEXT, "the scenario's events the live run could not realise, and why", LIVE, "run", null);
        metric("live.devices_connected", "devices", Kind.COUNT, "devices connected when the run began (within the fleet's connect wait)",
                LIVE, "count of devices", null);
        metric("live.not_connected", "text", Kind.TEXT, "why the devices that did not connect within the wait did not, grouped by reason "
                + "(empty when all did)", LIVE, "run", null);

        series("buffered", "frames", "Frames held in device RAM (all devices)", "frames held in device RAM at the end of each second", BOTH);
        series("sampled", "readings/s", "Readings taken per second", "readings the samplers took in the second", BOTH);
        series("received", "frames/s", "Frames received by the gateway per second", "telemetry frames the gateway accepted in the second", BOTH);
        series("connects", "connects/s", "Device connects per second", "device connects in the second", BOTH);
        series("dropped", "readings/s", "Readings dropped by devices per second", "readings the devices dropped in the second", BOTH);
        series("gateway_backlog", "frames", "Frames waiting in the gateway's ingest queue", "the gateway's ingest backlog at the end of the second", BOTH);
        series("throttled", "0/1", "Gateway throttling (1: devices asked to slow down)", "1 while flow control throttles, at the end of the second", BOTH);
        series("broker_held", "messages", "QoS 1 messages held by the broker", "messages in flight or queued at the broker at the end of the second", SIM);
        series("broker_dropped", "messages/s", "Messages dropped by the broker per second", "messages the broker dropped in the second, all reasons", SIM);
        for (DropReason reason : DropReason.values()) {
            series("broker_dropped." + reason.label(), "messages/s", "Broker drops per second: " + reason.label(),
                    "messages the broker dropped in the second: " + reason.label(), SIM);
        }
    }

    private MetricCatalog() {}

    private static void metric(String name, String unit, Kind kind, String meaning, Set<World> worlds, String aggregate, GatewayMetric gateway) {
        if (METRICS.put(name, new Metric(name, unit, kind, meaning, worlds, aggregate, gateway)) != null) {
            throw new IllegalStateException("metric declared twice: " + name);
        }
    }

    private static void device(String name, String unit, Kind kind, String meaning, String aggregate) {
        metric(name, unit, kind, meaning, BOTH, aggregate, null);
    }

    private static void gateway(String name, Kind kind, String meaning, Set<World> worlds, GatewayMetric gateway) {
        metric(name, kind == Kind.FLAG ? "flag" : kind == Kind.PEAK ? "frames" : "count", kind, meaning, worlds, "gateway", gateway);
    }

    private static void broker(String name, String meaning) {
        metric(name, "messages", Kind.COUNT, meaning, SIM, "broker", null);
    }

    private static void series(String name, String unit, String title, String meaning, Set<World> worlds) {
        SERIES.put(name, new Series(name, unit, title, meaning, worlds));
    }

    /** Every metric, in the catalog's order (grouped: devices, diagnostics, series peaks, gateway, broker, live). */
    public static List<Metric> all() {
        return List.copyOf(METRICS.values());
    }

    public static Optional<Metric> find(String name) {
        return Optional.ofNullable(METRICS.get(name));
    }

    /** Every per-second series a scenario can plot. */
    public static List<Series> series() {
        return List.copyOf(SERIES.values());
    }

    public static Optional<Series> findSeries(String name) {
        return Optional.ofNullable(SERIES.get(name));
    }

    /** The plots a scenario gets when it lists none. */
    public static final List<String> DEFAULT_PLOTS = List.of("buffered", "received", "connects");

    /** The metrics summary.md's key-metrics table shows for every variant. */
    public static final List<String> KEY_METRICS = List.of("device.sampled", "device.delivered", "device.delivered_min", "device.dropped",
            "device.unreceived", "device.silent", "device.send_waits", "device.peak_buffered", "device.connects", "gateway.received",
            "gateway.received_min", "gateway.missing", "gateway.duplicates", "gateway.command_timeout_share", "broker.dropped",
            "lost_waker_reports", "lost_waker_tasks", "long_poll_reports", "long_poll_tasks", "connect_rate_peak", "reconnect_rate_peak",
            "reconnect_seconds", "throughput_peak", "publish_latency_p50_ms", "publish_latency_p99_ms", "poll_duration_max_ms", "boot_failed");

    /**
     * The names closest to {@code wanted} among {@code names} (edit distance at most a third of the
     * name, at least 2), best first, at most three: the "did you mean" of a misspelt name.
     */
    public static List<String> closest(String wanted, Iterable<String> names) {
        record Scored(String name, int distance) {}
        List<Scored> scored = new ArrayList<>();
        int limit = Math.max(2, wanted.length() / 3);
        for (String name : names) {
            int d = distance(wanted.toLowerCase(Locale.ROOT), name.toLowerCase(Locale.ROOT));
            boolean partOf = name.contains(wanted) || wanted.contains(name);
            if (d <= limit || (partOf && Math.min(name.length(), wanted.length()) >= 4)) scored.add(new Scored(name, d));
        }
        scored.sort((a, b) -> a.distance != b.distance ? Integer.compare(a.distance, b.distance) : a.name.compareTo(b.name));
        return scored.stream().limit(3).map(Scored::name).toList();
    }

    /** Levenshtein distance. */
    public static int distance(String a, String b) {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) previous[j] = j;
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                current[j] = Math.min(Math.min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[b.length()];
    }

    /** The metric names, for suggestions. */
    public static List<String> names() {
        return Collections.unmodifiableList(new ArrayList<>(METRICS.keySet()));
    }
}
