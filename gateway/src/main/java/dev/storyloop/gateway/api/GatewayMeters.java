package dev.storyloop.gateway.api;

import dev.storyloop.gateway.core.GatewayConnection;
import dev.storyloop.gateway.core.GatewayCore;
import dev.storyloop.gateway.core.GatewayMetric;
import dev.storyloop.gateway.core.Rejection;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;

/**
 * The gateway's Prometheus meters, wired once per process: the core's and the connection's books
 * read where they are kept, and the few counts only the MQTT shell sees (dropped publishes,
 * messages left unacknowledged, store failures, commit and processing latencies) counted here by
 * the shell. Every name and meaning is {@link GatewayMetric}'s. Because the meters outlive an MQTT
 * verticle, a restarted MQTT side keeps counting where the last one stopped.
 *
 * <p>Scrape it on the core's thread ({@link GatewayApi#metrics} does): the gauges read the core.
 */
public final class GatewayMeters {
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final Timer storeCommit;
    private final Timer processing;
    private long outgoingDropped;
    private long unacknowledgedLeft;
    private long storeFailures;

    public GatewayMeters(GatewayCore core, GatewayConnection connection) {
        counter(GatewayMetric.FRAMES_IN, core, GatewayCore::framesIn);
        counter(GatewayMetric.TELEMETRY_ACCEPTED, core, GatewayCore::telemetryAccepted);
        for (Rejection reason : Rejection.values()) {
            FunctionCounter.builder(GatewayMetric.REJECTS.meter(), core, c -> c.rejected(reason)).tag("reason", reason.label())
                    .description(GatewayMetric.REJECTS.meaning()).register(registry);
        }
        gauge(GatewayMetric.MISSING, core, GatewayCore::missingTotal);
        gauge(GatewayMetric.DUPLICATES, core, GatewayCore::duplicatesTotal);
        gauge(GatewayMetric.RECEIVED, core, GatewayCore::receivedTotal);
        gauge(GatewayMetric.DEVICES, core, GatewayCore::devices);
        gauge(GatewayMetric.STALE_DEVICES, core, GatewayCore::staleDevices);
        counter(GatewayMetric.EVICTED, core, GatewayCore::evicted);
        counter(GatewayMetric.RESYNCS, core, GatewayCore::resyncs);
        gauge(GatewayMetric.BACKLOG, core, GatewayCore::backlog);
        gauge(GatewayMetric.THROTTLED, core, c -> c.throttled() ? 1 : 0);
        counter(GatewayMetric.THROTTLES, core, GatewayCore::throttles);
        counter(GatewayMetric.THROTTLES_ON_DROPS, core, GatewayCore::throttlesOnDrops);
        counter(GatewayMetric.BROKER_DROPPED, core, GatewayCore::brokerDropped);
        counter(GatewayMetric.COMMANDS_SENT, core, GatewayCore::commandsSent);
        counter(GatewayMetric.COMMANDS_ACKED, core, GatewayCore::commandsAcked);
        counter(GatewayMetric.COMMANDS_TIMED_OUT, core, GatewayCore::commandsTimedOut);
        counter(GatewayMetric.COMMANDS_REFUSED, core, GatewayCore::commandsRefused);
        gauge(GatewayMetric.MQTT_CONNECTED, connection, c -> c.isUp() ? 1 : 0);
        counter(GatewayMetric.MQTT_RECONNECTS, connection, GatewayConnection::reconnects);
        counter(GatewayMetric.MQTT_CONNECTION_ERRORS, connection, GatewayConnection::connectionErrors);
        counter(GatewayMetric.BROKER_COUNTER_BAD, connection, GatewayConnection::badBrokerCounters);
        counter(GatewayMetric.MQTT_OUTGOING_DROPPED, this, m -> m.outgoingDropped);
        counter(GatewayMetric.MQTT_UNACKNOWLEDGED_LEFT, this, m -> m.unacknowledgedLeft);
        counter(GatewayMetric.STORE_FAILURES, this, m -> m.storeFailures);
        storeCommit = timer(GatewayMetric.STORE_COMMIT_LATENCY);
        processing = timer(GatewayMetric.PROCESSING_LATENCY);
    }

    private <T> void counter(GatewayMetric metric, T source, ToDoubleFunction<T> read) {
        assert metric.type() == GatewayMetric.Meter.COUNTER : metric;
        FunctionCounter.builder(metric.meter(), source, read).description(metric.meaning()).register(registry);
    }

    private <T> void gauge(GatewayMetric metric, T source, ToDoubleFunction<T> read) {
        assert metric.type() == GatewayMetric.Meter.GAUGE : metric;
        Gauge.builder(metric.meter(), source, read).description(metric.meaning()).register(registry);
    }

    private Timer timer(GatewayMetric metric) {
        assert metric.type() == GatewayMetric.Meter.TIMER : metric;
        return Timer.builder(metric.meter()).description(metric.meaning()).publishPercentileHistogram().register(registry);
    }

    /** A publish the MQTT shell dropped (its bounded outgoing queue full, or the client refused it). */
    public void outgoingDropped() {
        outgoingDropped++;
    }

    /** A message the MQTT shell left unacknowledged (stopping, or its acknowledgement ring full), for the broker to resend. */
    public void unacknowledgedLeft() {
        unacknowledgedLeft++;
    }

    /** A batch the durable store failed to commit. */
    public void storeFailed() {
        storeFailures++;
    }

    public long storeFailures() {
        return storeFailures;
    }

    /** One batch of device books written and committed in {@code nanos}. */
    public void storeCommitted(long nanos) {
        storeCommit.record(nanos, TimeUnit.NANOSECONDS);
    }

    /** A frame left the ingest queue {@code nanos} after it arrived. */
    public void processed(long nanos) {
        processing.record(nanos, TimeUnit.NANOSECONDS);
    }

    /** Store commit latency so far (count, mean, max), for the test log and the README's figures. */
    public Timer storeCommitLatency() {
        return storeCommit;
    }

    /** The Prometheus text of every meter; on the core's thread. */
    public String scrape() {
        return registry.scrape();
    }
}
