package dev.storyloop.gateway.core;

/**
 * The gateway's own metrics, each declared once: its key in the stats JSON ({@code /api/stats},
 * the event bus's {@code stats} answer), its Micrometer name (Prometheus turns dots into
 * underscores and adds {@code _total} to counters), and what it means. Readers of either output
 * (the live story runner, {@code storyloop gateway}'s status line, the stories' metric catalog)
 * take the names from here, so one counter is not known by three spellings. A null name: the
 * metric is not in that output.
 */
public enum GatewayMetric {
    MQTT("mqtt", null, Meter.NONE, "state", "the gateway's MQTT side: connected or disconnected"),
    MQTT_CONNECTED(null, "storyloop.gateway.mqtt.connected", Meter.GAUGE, "flag", "1 while the gateway's MQTT side is connected"),
    MQTT_RECONNECTS("reconnects", "storyloop.gateway.mqtt.reconnects", Meter.COUNTER, "count", "times the gateway connected to the broker again"),
    MQTT_OUTGOING_DROPPED(null, "storyloop.gateway.mqtt.outgoing.dropped", Meter.COUNTER, "count",
            "publishes the gateway dropped because its bounded outgoing queue was full"),
    DEVICES("devices", "storyloop.gateway.devices", Meter.GAUGE, "count", "devices in the gateway's registry"),
    STALE_DEVICES("staleDevices", "storyloop.gateway.devices.stale", Meter.GAUGE, "count", "devices silent for more than stale-periods sample periods"),
    FRAMES_IN("framesIn", "storyloop.gateway.frames.in", Meter.COUNTER, "count", "MQTT messages offered to the core, of every kind"),
    TELEMETRY_ACCEPTED("telemetryAccepted", "storyloop.gateway.telemetry.accepted", Meter.COUNTER, "count", "telemetry frames accepted (new or late)"),
    RECEIVED("received", "storyloop.gateway.sequence.received", Meter.GAUGE, "count",
            "telemetry frames accepted, summed over devices (the same count as telemetryAccepted)"),
    MISSING("missing", "storyloop.gateway.sequence.missing", Meter.GAUGE, "count",
            "sequence numbers skipped below the highest one received, summed over devices (blind to readings after the last one received)"),
    DUPLICATES("duplicates", "storyloop.gateway.sequence.duplicates", Meter.GAUGE, "count", "telemetry frames received again (replays), summed over devices"),
    REORDERED("reordered", null, Meter.NONE, "count", "telemetry frames that arrived after a higher sequence number"),
    REJECTED("rejected", null, Meter.NONE, "count", "inputs refused, all reasons"),
    REJECTS("rejects", "storyloop.gateway.rejects", Meter.COUNTER, "count", "inputs refused, by reason (JSON: an object; Prometheus: a reason tag)"),
    BACKLOG("backlog", "storyloop.gateway.ingest.backlog", Meter.GAUGE, "frames", "frames waiting in the ingest queue now"),
    PEAK_BACKLOG("peakBacklog", null, Meter.NONE, "frames", "the most frames ever waiting in the ingest queue"),
    THROTTLED("throttled", "storyloop.gateway.flow.throttled", Meter.GAUGE, "flag", "whether the gateway is asking devices to slow down now"),
    THROTTLES("throttles", "storyloop.gateway.flow.throttles", Meter.COUNTER, "count", "times flow control started throttling"),
    COMMANDS_SENT("commandsSent", "storyloop.gateway.commands.sent", Meter.COUNTER, "count", "commands sent to devices"),
    COMMANDS_ACKED("commandsAcked", "storyloop.gateway.commands.acked", Meter.COUNTER, "count", "commands a device acknowledged in time"),
    COMMANDS_TIMED_OUT("commandsTimedOut", "storyloop.gateway.commands.timed.out", Meter.COUNTER, "count", "commands with no acknowledgement before their timeout"),
    COMMANDS_REFUSED("commandsRefused", "storyloop.gateway.commands.refused", Meter.COUNTER, "count",
            "commands refused before sending (unknown device, too many outstanding)"),
    MQTT_CONNECTION_ERRORS("connectionErrors", "storyloop.gateway.mqtt.connection.errors", Meter.COUNTER, "count",
            "errors on the MQTT connection (the client's exception handler)"),
    EVICTED("evicted", "storyloop.gateway.devices.evicted", Meter.COUNTER, "count", "devices silent past the eviction time, removed from the registry"),
    RESYNCS("resyncs", "storyloop.gateway.sequence.resyncs", Meter.COUNTER, "count", "device counter restarts recognised"),
    EPOCH("epoch", null, Meter.NONE, "number", "the gateway's epoch, carried by its commands"),
    THROTTLES_ON_DROPS("throttlesOnDrops", "storyloop.gateway.flow.throttles.on.drops", Meter.COUNTER, "count",
            "throttles started because drops kept coming (sequence gaps, the broker's drop counter)"),
    BROKER_DROPPED("brokerDropped", "storyloop.gateway.broker.dropped", Meter.COUNTER, "count",
            "messages the broker reported dropping ($SYS/broker/publish/messages/dropped) since the gateway first read it"),
    BROKER_COUNTER_BAD(null, "storyloop.gateway.broker.counter.bad", Meter.COUNTER, "count",
            "broker drop-counter messages that were not a number, ignored"),
    MQTT_UNACKNOWLEDGED_LEFT(null, "storyloop.gateway.mqtt.unacknowledged.left", Meter.COUNTER, "count",
            "messages left unacknowledged (stopping, or the acknowledgement ring full), for the broker to resend"),
    STORE_FAILURES(null, "storyloop.gateway.store.failures", Meter.COUNTER, "count", "batches the durable store failed to commit"),
    STORE_COMMIT_LATENCY(null, "storyloop.gateway.store.commit.latency", Meter.TIMER, "duration", "one batch of device books written and committed"),
    PROCESSING_LATENCY(null, "storyloop.gateway.processing.latency", Meter.TIMER, "duration", "from a frame's arrival to its processing, queueing included");

    /** How Micrometer registers the meter, which decides its Prometheus suffix. */
    public enum Meter { NONE, COUNTER, GAUGE, TIMER }

    private final String json;
    private final String meter;
    private final Meter type;
    private final String unit;
    private final String meaning;

    GatewayMetric(String json, String meter, Meter type, String unit, String meaning) {
        this.json = json;
        this.meter = meter;
        this.type = type;
        this.unit = unit;
        this.meaning = meaning;
    }

    /** The key in the stats JSON, or null when only Prometheus has it. */
    public String json() {
        return json;
    }

    /** The Micrometer meter name, or null when only the stats JSON has it. */
    public String meter() {
        return meter;
    }

    /** The Prometheus name the meter is scraped as (dots to underscores; counters end in {@code _total}). */
    public String prometheus() {
        if (meter == null) return null;
        String name = meter.replace('.', '_');
        return switch (type) {
            case COUNTER -> name + "_total";
            case TIMER -> name + "_seconds";
            default -> name;
        };
    }

    public Meter type() {
        return type;
    }

    public String unit() {
        return unit;
    }

    public String meaning() {
        return meaning;
    }
}
