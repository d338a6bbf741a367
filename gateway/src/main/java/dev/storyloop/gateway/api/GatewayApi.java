package dev.storyloop.gateway.api;

import dev.storyloop.gateway.core.CommandResult;
import dev.storyloop.gateway.core.DeviceRecord;
import dev.storyloop.gateway.core.GatewayConnection;
import dev.storyloop.gateway.core.GatewayCore;
import dev.storyloop.gateway.core.Rejection;
import dev.storyloop.protocol.CommandCode;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.BiConsumer;
import java.util.function.Supplier;

/**
 * The gateway's operations as one typed API, between whoever asks (the HTTP API, the CLI, the live
 * story runner, tests) and the core: one method per operation, each answering with a future.
 *
 * <p>The core has one thread: the context of the MQTT verticle that feeds it. That verticle calls
 * {@link #serve} when it starts and {@link #stopServing} when it stops; in between every operation
 * runs on that context and its answer comes back on the caller's context (or on the core's, for a
 * caller outside Vert.x). While no MQTT side runs, every operation fails with
 * {@link Refused#status()} 503. A command's future completes when the device acknowledges it or
 * the core times it out (the connection's tick), or fails when the MQTT side stops before either.
 */
public final class GatewayApi {
    public static final int RECENT_READINGS_SHOWN = 10;

    private final GatewayCore core;
    private final GatewayConnection connection;
    private final GatewayMeters meters;
    private final boolean durable;
    private volatile Context home;                                      // the core's context while an MQTT side serves
    private final Map<Long, Waiting> waiting = new HashMap<>();         // lookups only; bounded by the core's outstanding commands

    private record Waiting(Promise<JsonObject> promise, Context caller) {}

    /** An operation refused with an HTTP-style status: 404 unknown device, 429 too many commands outstanding, 503 not serving. */
    public static final class Refused extends RuntimeException {
        private final int status;

        public Refused(int status, String message) {
            super(message, null, false, false);
            this.status = status;
        }

        public int status() {
            return status;
        }
    }

    /** The API of {@code core}; {@code durable}: the books are committed to a store (health reports its state). */
    public GatewayApi(GatewayCore core, GatewayConnection connection, GatewayMeters meters, boolean durable) {
        this.core = Objects.requireNonNull(core, "core");
        this.connection = Objects.requireNonNull(connection, "connection");
        this.meters = Objects.requireNonNull(meters, "meters");
        this.durable = durable;
    }

    // ---- the core's side -----------------------------------------------------------------------

    /** The MQTT verticle started on {@code coreContext}: operations run there from now on. Call it on that context. */
    public void serve(Context coreContext) {
        home = Objects.requireNonNull(coreContext, "coreContext");
    }

    /** The MQTT verticle is stopping: operations are refused, and commands still waiting fail. Call it on the core's context. */
    public void stopServing() {
        home = null;
        List<Waiting> left = new ArrayList<>(waiting.values());
        waiting.clear();
        for (Waiting w : left) settle(w.caller(), () -> w.promise().fail(notServing()));
    }

    /** The core's output for a command: it was acknowledged or timed out. On the core's context. */
    public void commandCompleted(CommandResult result) {
        Waiting w = waiting.remove(result.correlationId());
        if (w == null) return; // asked before a restart, or by no one (a story's fleet command)
        JsonObject reply = new JsonObject().put("correlationId", result.correlationId()).put("device", result.deviceId())
                .put("command", result.command().name()).put("argument", result.argument())
                .put("outcome", result.outcome().name()).put("latencyMs", result.latencyNanos() / 1e6);
        if (result.ackStatus() != null) reply.put("status", result.ackStatus().name());
        settle(w.caller(), () -> w.promise().complete(reply));
    }

    // ---- operations ----------------------------------------------------------------------------

    /** Every device in the registry, by id: {@code {count, devices: [summary...]}}. */
    public Future<JsonObject> devices() {
        return read(() -> {
            JsonArray list = new JsonArray();
            List<DeviceRecord> sorted = new ArrayList<>(core.devicesInOrder());
            sorted.sort((a, b) -> a.id().compareTo(b.id()));
            for (DeviceRecord record : sorted) list.add(summary(record.snapshot(0)));
            return new JsonObject().put("count", list.size()).put("devices", list);
        });
    }

    /** One device's books, its recent readings and its aggregates; 404 when the registry does not hold it. */
    public Future<JsonObject> device(String id) {
        return read(() -> {
            DeviceRecord record = core.device(id);
            if (record == null) throw new Refused(404, "unknown device");
            DeviceRecord.Snapshot snapshot = record.snapshot(RECENT_READINGS_SHOWN);
            JsonArray recent = new JsonArray();
            for (DeviceRecord.Reading reading : snapshot.recent()) {
                JsonObject values = new JsonObject();
                for (int i = 0; i < reading.sensors().length; i++) values.put(reading.sensors()[i].name().toLowerCase(Locale.ROOT), reading.values()[i]);
                recent.add(new JsonObject().put("sequence", reading.sequence()).put("deviceMillis", reading.deviceMillis()).put("values", values));
            }
            JsonObject aggregates = new JsonObject();
            for (DeviceRecord.Aggregate aggregate : snapshot.aggregates()) {
                if (aggregate.count() == 0) continue;
                aggregates.put(aggregate.sensor().name().toLowerCase(Locale.ROOT), new JsonObject().put("unit", aggregate.sensor().unit())
                        .put("count", aggregate.count()).put("min", aggregate.min()).put("max", aggregate.max()).put("mean", aggregate.mean()));
            }
            return summary(snapshot).put("recent", recent).put("aggregates", aggregates);
        });
    }

    /**
     * Sends a command; the future completes with its result ({@code outcome} ACKED or TIMED_OUT,
     * latency, the device's status) once the device acknowledged it or the core's timeout passed.
     * Refused at once: 404 unknown device, 429 too many commands outstanding for it.
     */
    public Future<JsonObject> command(String id, CommandCode code, int argument) {
        Objects.requireNonNull(code, "code");
        return this.<JsonObject>onCore((caller, promise) -> {
            GatewayCore.Submission submission = core.sendCommand(System.nanoTime(), id, code, argument);
            if (submission.refusal() == GatewayCore.Refusal.UNKNOWN_DEVICE) throw new Refused(404, "unknown device");
            if (!submission.accepted()) throw new Refused(429, "too many commands outstanding for this device");
            waiting.put(submission.correlationId(), new Waiting(promise, caller));
        });
    }

    /** Whether the gateway can serve: its MQTT state, devices, backlog, the store's state, flow control. */
    public Future<JsonObject> health() {
        return read(() -> new JsonObject().put("mqtt", mqttState()).put("devices", core.devices())
                .put("backlog", core.backlog()).put("store", !durable ? "none" : meters.storeFailures() == 0 ? "ok" : "failing")
                .put("throttled", core.throttled()).put("brokerDropped", core.brokerDropped())
                .put("dropsPerSecond", core.dropsPerSecond(System.nanoTime())));
    }

    /** The core's books with the connection's ({@link #books} plus reconnects and connection errors). */
    public Future<JsonObject> stats() {
        return read(() -> books(core, mqttState()).put("reconnects", connection.reconnects())
                .put("connectionErrors", connection.connectionErrors()));
    }

    /** The gateway's meters in Prometheus's text format. */
    public Future<String> metrics() {
        return read(meters::scrape);
    }

    private String mqttState() {
        return connection.isUp() ? "connected" : "disconnected";
    }

    /** The core's books in one JSON object (the stats, the CLI's status and summary lines); read on the core's thread or once it is quiet. */
    public static JsonObject books(GatewayCore core, String mqttState) {
        JsonObject rejects = new JsonObject();
        for (Rejection reason : Rejection.values()) {
            if (core.rejected(reason) > 0) rejects.put(reason.label(), core.rejected(reason));
        }
        return new JsonObject().put("mqtt", mqttState).put("devices", core.devices())
                .put("framesIn", core.framesIn()).put("telemetryAccepted", core.telemetryAccepted())
                .put("received", core.receivedTotal()).put("missing", core.missingTotal()).put("duplicates", core.duplicatesTotal())
                .put("reordered", core.reorderedTotal()).put("staleDevices", core.staleDevices()).put("rejected", core.rejectedTotal())
                .put("rejects", rejects).put("backlog", core.backlog()).put("peakBacklog", core.peakBacklog())
                .put("throttled", core.throttled()).put("throttles", core.throttles()).put("throttlesOnDrops", core.throttlesOnDrops())
                .put("brokerDropped", core.brokerDropped()).put("commandsSent", core.commandsSent()).put("commandsAcked", core.commandsAcked())
                .put("commandsTimedOut", core.commandsTimedOut()).put("commandsRefused", core.commandsRefused())
                .put("evicted", core.evicted()).put("resyncs", core.resyncs()).put("epoch", core.epoch());
    }

    private static JsonObject summary(DeviceRecord.Snapshot s) {
        return new JsonObject().put("id", s.id()).put("liveness", s.liveness().name().toLowerCase(Locale.ROOT))
                .put("received", s.received()).put("missing", s.missing()).put("duplicates", s.duplicates())
                .put("reordered", s.reordered()).put("tooOld", s.tooOld()).put("highestSequence", s.highestSequence())
                .put("outstandingCommands", s.outstandingCommands());
    }

    /** Runs {@code read} on the core's context and answers with its value on the caller's. */
    private <T> Future<T> read(Supplier<T> read) {
        return onCore((caller, promise) -> {
            T value = read.get();
            settle(caller, () -> promise.complete(value));
        });
    }

    /**
     * Runs {@code work} on the core's context with the caller's context and the answer's promise
     * (which {@code work} settles, or parks to settle later); what it throws fails the answer.
     */
    private <T> Future<T> onCore(BiConsumer<Context, Promise<T>> work) {
        Context at = home;
        if (at == null) return Future.failedFuture(notServing());
        Context caller = Vertx.currentContext();
        Promise<T> promise = Promise.promise();
        at.runOnContext(v -> {
            try {
                if (home != at) throw notServing(); // stopped after the request was queued
                work.accept(caller, promise);
            } catch (RuntimeException e) {
                settle(caller, () -> promise.fail(e));
            }
        });
        return promise.future();
    }

    /** Completes a future on the caller's context, so a verticle's handlers stay on its own thread. */
    private static void settle(Context caller, Runnable completion) {
        if (caller == null || caller == Vertx.currentContext()) completion.run();
        else caller.runOnContext(v -> completion.run());
    }

    private static Refused notServing() {
        return new Refused(503, "the gateway core is not running (its MQTT side is stopped)");
    }
}
