package dev.storyloop.gateway.mqtt;

import dev.storyloop.gateway.GatewayOptions;
import dev.storyloop.gateway.core.CommandResult;
import dev.storyloop.gateway.core.DeviceRecord;
import dev.storyloop.gateway.core.GatewayCore;
import dev.storyloop.gateway.core.Outbox;
import dev.storyloop.gateway.core.Rejection;
import dev.storyloop.gateway.core.SequenceWindow;
import dev.storyloop.gateway.store.DeviceState;
import dev.storyloop.gateway.store.GatewayStore;
import dev.storyloop.protocol.CommandCode;
import dev.storyloop.protocol.Topics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.mqtt.MqttClient;
import io.vertx.mqtt.MqttClientOptions;
import io.vertx.mqtt.messages.MqttPublishMessage;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;


/**
 * The gateway core inside Vert.x: the MQTT client feeding it, the outputs it publishes, and the
 * event bus API the HTTP verticle calls. Everything touching the core runs on this verticle's context.
 *
 * <p>The MQTT client keeps a persistent session (clean session false), so QoS 1 frames queued by
 * the broker while the gateway was away arrive when it is back; vertx-mqtt has no reconnect, so
 * this verticle reconnects with capped, jittered backoff and subscribes again. Received frames go
 * into the core's bounded ingest queue and are drained in batches, each batch a separate event
 * loop task so I/O is served between them. Outgoing publishes (commands, credits) wait in a
 * bounded queue and go out within the client's in-flight window.
 *
 * <p>Acknowledgements are manual: a QoS 1 message is acknowledged to the broker only once the core
 * has applied it and, with a durable store, once the batch holding its effect on the books is
 * committed. So a gateway killed at any moment loses nothing the broker thinks delivered: what was
 * not acknowledged is delivered again to the next process, and the restored window refuses what
 * was applied but not yet acknowledged as a duplicate. {@link #stop} is the graceful half: it stops
 * taking messages (those arriving from then on stay unacknowledged, for the next process), drains
 * and applies what was received, commits and acknowledges it, then disconnects.
 */
public final class GatewayVerticle extends VerticleBase implements Outbox {
    private static final System.Logger LOG = System.getLogger(GatewayVerticle.class.getName());
    public static final int DRAIN_BATCH = 512;
    public static final int OUTGOING_CAPACITY = 65_536;
    public static final int MQTT_INFLIGHT = 64;
    public static final long TICK_MILLIS = 100;
    public static final long RECONNECT_BASE_MILLIS = 100;
    public static final long RECONNECT_CAP_MILLIS = 5_000;
    public static final int KEEPALIVE_SECONDS = 30;
    public static final int RECENT_READINGS_SHOWN = 10;
    /** Mosquitto's count of messages it dropped (full queues, among others); other brokers may not publish it. */
    public static final String BROKER_DROPPED_TOPIC = "$SYS/broker/publish/messages/dropped";
    /**
     * The largest MQTT packet the client decodes: 2 MiB. Netty's decoder closes the connection on a
     * bigger one (and at QoS 1 the broker would redeliver it at every reconnect), so this limit sits
     * well above any frame (at most 180 B) and above the broker's recommended {@code message_size_limit}
     * of 1 MiB ({@code MosquittoConfig}): whatever the broker forwards is decoded, acknowledged and
     * counted {@code oversized} by the core instead.
     */
    public static final int MQTT_MAX_MESSAGE_BYTES = 2 * 1024 * 1024;

    private final GatewayOptions options;
    private final GatewayCore core;
    private final PrometheusMeterRegistry registry;
    private final SplittableRandom jitter = new SplittableRandom(System.nanoTime()); // live only: spreading, not simulation
    private final ArrayDeque<Outgoing> outgoing = new ArrayDeque<>();
    private final Map<Long, Message<JsonObject>> waitingForAck = new HashMap<>(); // bounded by the core's outstanding cap
    private final List<MessageConsumer<?>> consumers = new ArrayList<>();
    private final GatewayStore store;                 // null: books in memory only
    private final Acks acks;
    private final List<DeviceRecord> dirtyTaken = new ArrayList<>();
    private WorkerExecutor storeThread;
    private boolean writing;
    private final List<Promise<Void>> quietWaiters = new ArrayList<>();
    private int connection;                           // generation: a packet id is only acknowledged on the connection it came on
    private long ignoredWhileStopping;
    private long badBrokerCounters;
    private long storeFailures;
    private Timer storeCommit;
    private MqttClient client;
    private boolean connected;
    private boolean stopping;
    private boolean drainScheduled;
    private int inflight;
    private int reconnectAttempt;
    private long tickTimer = -1;
    private Counter reconnects;
    private Counter connectionErrors;
    private Counter outgoingDropped;
    private Timer processing;

    private record Outgoing(String topic, byte[] payload, int qos, boolean retained) {}

    /** A gateway around {@code core}; the core outlives the verticle, so a redeployed shell keeps its books. */
    public GatewayVerticle(GatewayOptions options, GatewayCore core) {
        this(options, core, null);
    }

    /** A gateway around {@code core} that commits the core's books to {@code store} (null: none) before acknowledging. */
    public GatewayVerticle(GatewayOptions options, GatewayCore core, GatewayStore store) {
        this.options = options;
        this.core = core;
        this.store = store;
        this.acks = new Acks(2 * options.core().ingestCapacity()); // queued plus applied-not-yet-committed
        this.registry = new PrometheusMeterRegistry(io.micrometer.prometheusmetrics.PrometheusConfig.DEFAULT);
    }

    @Override
    public Future<?> start() {
        core.attach(this);
        registerMetrics();
        MqttClientOptions mqtt = new MqttClientOptions().setClientId(options.clientId()).setCleanSession(false)
                .setKeepAliveInterval(KEEPALIVE_SECONDS).setAutoKeepAlive(true).setMaxInflightQueue(MQTT_INFLIGHT)
                .setMaxMessageSize(MQTT_MAX_MESSAGE_BYTES);
        mqtt.setAutoAck(false); // acknowledged once applied (and committed): see the class comment; returns void: not chainable
        if (options.mqttUser() != null) mqtt.setUsername(options.mqttUser()).setPassword(options.mqttPassword());
        if (store != null) storeThread = vertx.createSharedWorkerExecutor("storyloop-gateway-store-" + options.clientId(), 1);
        client = MqttClient.create(vertx, mqtt);
        client.publishHandler(message -> {
            if (BROKER_DROPPED_TOPIC.equals(message.topicName())) {
                brokerCounter(message);
                return;
            }
            MqttPublishMessage ack = message.qosLevel() == MqttQoS.AT_MOST_ONCE ? null : message;
            if (stopping || acks.full()) {
                ignoredWhileStopping++; // not acknowledged: the broker delivers it again to the next process
                return;
            }
            if (core.enqueue(System.nanoTime(), message.topicName(), message.payload().getBytes())) {
                acks.received(ack, connection);
                scheduleDrain();
            } else {
                if (ack != null) ack.ack(); // refused and counted as ingest-full by the core: the broker must not resend it for ever
            }
        });
        client.publishCompletionHandler(packetId -> {
            inflight = Math.max(0, inflight - 1);
            pump();
        });
        client.publishCompletionExpirationHandler(packetId -> {
            inflight = Math.max(0, inflight - 1);
            pump();
        });
        client.closeHandler(v -> {
            if (!stopping) LOG.log(System.Logger.Level.WARNING, "MQTT connection to " + options.brokerHost() + ":" + options.brokerPort() + " closed; reconnecting");
            connected = false;
            connection++; // packet ids of the old connection mean nothing on the next one; the broker resends those messages
            inflight = 0;
            if (!stopping) scheduleReconnect();
        });
        client.exceptionHandler(error -> {
            connectionErrors.increment();
            LOG.log(System.Logger.Level.WARNING, "MQTT connection error with " + options.brokerHost() + ":" + options.brokerPort()
                    + ": " + error, error);
        });
        tickTimer = vertx.setPeriodic(TICK_MILLIS, id -> core.tick(System.nanoTime()));
        consumers.add(vertx.eventBus().<JsonObject>consumer(options.address("devices"), this::devices));
        consumers.add(vertx.eventBus().<JsonObject>consumer(options.address("device"), this::device));
        consumers.add(vertx.eventBus().<JsonObject>consumer(options.address("command"), this::command));
        consumers.add(vertx.eventBus().<JsonObject>consumer(options.address("metrics"), m -> m.reply(registry.scrape())));
        consumers.add(vertx.eventBus().<JsonObject>consumer(options.address("health"), this::health));
        consumers.add(vertx.eventBus().<JsonObject>consumer(options.address("stats"), m -> m.reply(stats())));
        connect();
        return Future.succeededFuture(); // serving starts at once; the MQTT connection follows with its retries
    }

    /**
     * Stops taking messages, applies what was received, commits and acknowledges it, then
     * disconnects: a graceful stop loses nothing and applies nothing twice.
     */
    @Override
    public Future<?> stop() {
        stopping = true;
        if (tickTimer >= 0) vertx.cancelTimer(tickTimer);
        for (MessageConsumer<?> consumer : consumers) consumer.unregister();
        while (core.backlog() > 0) applied(core.drain(System.nanoTime(), DRAIN_BATCH));
        core.attach(Outbox.NONE);
        Promise<Void> quiet = Promise.promise();
        quietWaiters.add(quiet);
        persist();
        return quiet.future().compose(v -> client != null && client.isConnected()
                        ? client.disconnect().recover(e -> Future.succeededFuture()) : Future.<Void>succeededFuture())
                .eventually(() -> storeThread == null ? Future.succeededFuture() : storeThread.close());
    }

    // ---- MQTT ----------------------------------------------------------------------------------

    private void connect() {
        if (stopping) return;
        client.connect(options.brokerPort(), options.brokerHost()).compose(ack -> {
            Map<String, Integer> filters = new LinkedHashMap<>();
            for (Topics.Kind kind : new Topics.Kind[] {Topics.Kind.TELEMETRY, Topics.Kind.ACK, Topics.Kind.STATUS}) {
                filters.put(kind.allDevicesFilter(), MqttQoS.AT_LEAST_ONCE.value());
            }
            filters.put(BROKER_DROPPED_TOPIC, MqttQoS.AT_MOST_ONCE.value()); // refused (granted 0x80) by a broker whose ACL hides $SYS: then only gaps count
            return client.subscribe(filters);
        }).onSuccess(packetId -> {
            connected = true;
            reconnectAttempt = 0;
            pump();
        }).onFailure(error -> {
            connectionErrors.increment(); // a refused or failed connect is a connection error too, as the README's counter says
            LOG.log(System.Logger.Level.WARNING, "MQTT connect to " + options.brokerHost() + ":" + options.brokerPort() + " failed: " + error);
            if (client.isConnected()) client.disconnect(); // half set up: the close handler reconnects
            else scheduleReconnect();
        });
    }

    private void scheduleReconnect() {
        if (stopping) return;
        long ceiling = Math.min(RECONNECT_CAP_MILLIS, RECONNECT_BASE_MILLIS << Math.min(reconnectAttempt, 16));
        reconnectAttempt++;
        reconnects.increment();
        vertx.setTimer(1 + jitter.nextLong(ceiling), id -> connect());
    }

    /** Mosquitto's drop counter, published every {@code sys_interval} (10 s by default) as decimal text. */
    private void brokerCounter(MqttPublishMessage message) {
        if (message.qosLevel() != MqttQoS.AT_MOST_ONCE && !stopping) message.ack();
        String text = message.payload().toString(java.nio.charset.StandardCharsets.US_ASCII).trim();
        try {
            if (text.length() > 19) throw new NumberFormatException("too long");
            core.brokerDropCounter(System.nanoTime(), Long.parseLong(text));
        } catch (NumberFormatException e) {
            badBrokerCounters++; // a broker that is not Mosquitto, or a client publishing on $SYS: counted, ignored
        }
    }

    private void scheduleDrain() {
        if (drainScheduled) return;
        drainScheduled = true;
        context.runOnContext(v -> drain());
    }

    private void drain() {
        applied(core.drain(System.nanoTime(), DRAIN_BATCH));
        if (core.backlog() > 0) context.runOnContext(v -> drain()); // let I/O in between batches
        else drainScheduled = false;
    }

    /** The core applied the oldest {@code count} queued messages: they are acknowledged once their effect is durable. */
    private void applied(int count) {
        acks.applied(count);
        persist();
    }

    /**
     * Commits the books of the devices that changed and then acknowledges the messages applied
     * before them; one batch at a time on the store's thread, the next one taking everything that
     * piled up meanwhile (so a slow disk makes batches bigger, not more). Without a store the
     * messages are acknowledged at once.
     */
    private void persist() {
        if (writing) return; // the running batch calls this again when it is done
        int pendingAcks = acks.waitingForCommit();
        List<String> evicted = new ArrayList<>(0);
        core.takeEvicted(evicted);
        if (store == null || (core.dirtyDevices() == 0 && evicted.isEmpty())) {
            dirtyTaken.clear();
            core.takeDirty(dirtyTaken, Integer.MAX_VALUE); // nothing to keep: no store
            dirtyTaken.clear();
            acknowledgeCommitted(pendingAcks);
            wakeQuietWaiters();
            return;
        }
        dirtyTaken.clear();
        core.takeDirty(dirtyTaken, Integer.MAX_VALUE); // bounded by the registry's cap: one entry per device
        List<DeviceState> batch = new ArrayList<>(dirtyTaken.size());
        for (DeviceRecord record : dirtyTaken) {
            long[] window = new long[SequenceWindow.savedLongs(options.core().replayWindow())];
            record.sequences().saveTo(window);
            batch.add(new DeviceState(record.id(), record.commandSequence(), window));
        }
        dirtyTaken.clear();
        writing = true;
        long started = System.nanoTime();
        storeThread.<Void>executeBlocking(() -> {
            store.write(batch, evicted);
            return null;
        }, true).onComplete(result -> {
            writing = false;
            storeCommit.record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
            if (result.succeeded()) {
                acknowledgeCommitted(pendingAcks);
            } else {
                // Not acknowledged: the broker redelivers these to the next process. The gateway cannot keep books it cannot save.
                storeFailures++;
                LOG.log(System.Logger.Level.ERROR, "the durable store failed; messages stay unacknowledged", result.cause());
                for (DeviceState state : batch) core.keepDirty(state.id()); // the next batch tries these books again
                for (Promise<Void> waiter : quietWaiters) waiter.tryComplete(); // a stop goes on: what is unacknowledged is redelivered
                quietWaiters.clear();
                return;
            }
            persist();
        });
    }

    private void acknowledgeCommitted(int count) {
        boolean live = client.isConnected();
        for (int i = 0; i < count; i++) acks.commitOldest(live ? connection : -1);
    }

    private void wakeQuietWaiters() {
        if (writing || core.backlog() > 0 || acks.waitingForCommit() > 0 || quietWaiters.isEmpty()) return;
        List<Promise<Void>> waiting = new ArrayList<>(quietWaiters);
        quietWaiters.clear();
        for (Promise<Void> waiter : waiting) waiter.tryComplete();
    }

    // ---- outbox --------------------------------------------------------------------------------

    @Override
    public void publish(String topic, byte[] payload, int qos, boolean retained) {
        if (outgoing.size() >= OUTGOING_CAPACITY) {
            outgoingDropped.increment(); // a command then times out; a credit is sent again at the next change
            return;
        }
        outgoing.addLast(new Outgoing(topic, payload, qos, retained));
        pump();
    }

    private void pump() {
        while (connected && inflight < MQTT_INFLIGHT && !outgoing.isEmpty()) {
            Outgoing next = outgoing.pollFirst();
            if (next.qos() > 0) inflight++;
            client.publish(next.topic(), Buffer.buffer(next.payload()), MqttQoS.valueOf(next.qos()), false, next.retained())
                    .onFailure(error -> outgoingDropped.increment());
        }
    }

    @Override
    public void commandCompleted(CommandResult result) {
        Message<JsonObject> request = waitingForAck.remove(result.correlationId());
        if (request == null) return;
        JsonObject reply = new JsonObject().put("correlationId", result.correlationId()).put("device", result.deviceId())
                .put("command", result.command().name()).put("argument", result.argument())
                .put("outcome", result.outcome().name()).put("latencyMs", result.latencyNanos() / 1e6);
        if (result.ackStatus() != null) reply.put("status", result.ackStatus().name());
        request.reply(reply);
    }

    @Override
    public void processed(long latencyNanos) {
        processing.record(latencyNanos, TimeUnit.NANOSECONDS);
    }

    // ---- event bus API -------------------------------------------------------------------------

    private void devices(Message<JsonObject> request) {
        JsonArray list = new JsonArray();
        List<DeviceRecord> sorted = new ArrayList<>(core.devicesInOrder());
        sorted.sort((a, b) -> a.id().compareTo(b.id()));
        for (DeviceRecord record : sorted) list.add(summary(record.snapshot(0)));
        request.reply(new JsonObject().put("count", list.size()).put("devices", list));
    }

    private void device(Message<JsonObject> request) {
        DeviceRecord record = core.device(request.body().getString("id"));
        if (record == null) {
            request.fail(404, "unknown device");
            return;
        }
        DeviceRecord.Snapshot snapshot = record.snapshot(RECENT_READINGS_SHOWN);
        JsonObject body = summary(snapshot);
        JsonArray recent = new JsonArray();
        for (DeviceRecord.Reading reading : snapshot.recent()) {
            JsonObject values = new JsonObject();
            for (int i = 0; i < reading.sensors().length; i++) values.put(reading.sensors()[i].name().toLowerCase(java.util.Locale.ROOT), reading.values()[i]);
            recent.add(new JsonObject().put("sequence", reading.sequence()).put("deviceMillis", reading.deviceMillis()).put("values", values));
        }
        JsonObject aggregates = new JsonObject();
        for (DeviceRecord.Aggregate aggregate : snapshot.aggregates()) {
            if (aggregate.count() == 0) continue;
            aggregates.put(aggregate.sensor().name().toLowerCase(java.util.Locale.ROOT), new JsonObject().put("unit", aggregate.sensor().unit())
                    .put("count", aggregate.count()).put("min", aggregate.min()).put("max", aggregate.max()).put("mean", aggregate.mean()));
        }
        request.reply(body.put("recent", recent).put("aggregates", aggregates));
    }

    private static JsonObject summary(DeviceRecord.Snapshot s) {
        return new JsonObject().put("id", s.id()).put("liveness", s.liveness().name().toLowerCase(java.util.Locale.ROOT))
                .put("received", s.received()).put("missing", s.missing()).put("duplicates", s.duplicates())
                .put("reordered", s.reordered()).put("tooOld", s.tooOld()).put("highestSequence", s.highestSequence())
                .put("outstandingCommands", s.outstandingCommands());
    }

    private void command(Message<JsonObject> request) {
        JsonObject body = request.body();
        CommandCode code = CommandCode.valueOf(body.getString("command"));
        GatewayCore.Submission submission = core.sendCommand(System.nanoTime(), body.getString("id"), code, body.getInteger("argument", 0));
        if (!submission.accepted()) {
            request.fail(submission.refusal() == GatewayCore.Refusal.UNKNOWN_DEVICE ? 404 : 429, submission.refusal().name());
            return;
        }
        waitingForAck.put(submission.correlationId(), request);
    }

    private void health(Message<JsonObject> request) {
        request.reply(new JsonObject().put("mqtt", connected ? "connected" : "disconnected").put("devices", core.devices())
                .put("backlog", core.backlog()).put("store", store == null ? "none" : storeFailures == 0 ? "ok" : "failing")
                .put("throttled", core.throttled()).put("throttles", core.throttles()).put("brokerDropped", core.brokerDropped())
                .put("dropsPerSecond", core.dropsPerSecond(System.nanoTime())));
    }

    private JsonObject stats() {
        return books(core, connected ? "connected" : "disconnected")
                .put("reconnects", (long) reconnects.count()).put("connectionErrors", (long) connectionErrors.count());
    }

    /** The core's books in one JSON object (the HTTP API's /api/stats, the CLI's status and summary lines); read on the core's thread or once it is quiet. */
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
                .put("throttled", core.throttled()).put("throttles", core.throttles()).put("throttlesOnDrops", core.throttlesOnDrops()).put("brokerDropped", core.brokerDropped())
                .put("commandsSent", core.commandsSent()).put("commandsAcked", core.commandsAcked())
                .put("commandsTimedOut", core.commandsTimedOut()).put("commandsRefused", core.commandsRefused())
                .put("evicted", core.evicted()).put("resyncs", core.resyncs()).put("epoch", core.epoch());
    }

    // ---- metrics -------------------------------------------------------------------------------

    private void registerMetrics() {
        String p = "storyloop.gateway.";
        FunctionCounter.builder(p + "frames.in", core, GatewayCore::framesIn).description("MQTT messages offered to the core").register(registry);
        FunctionCounter.builder(p + "telemetry.accepted", core, GatewayCore::telemetryAccepted).register(registry);
        for (Rejection reason : Rejection.values()) {
            FunctionCounter.builder(p + "rejects", core, c -> c.rejected(reason)).tag("reason", reason.label())
                    .description("inputs refused, by reason").register(registry);
        }
        Gauge.builder(p + "sequence.missing", core, GatewayCore::missingTotal).description("sequence numbers never received, all devices").register(registry);
        Gauge.builder(p + "sequence.duplicates", core, GatewayCore::duplicatesTotal).register(registry);
        Gauge.builder(p + "sequence.received", core, GatewayCore::receivedTotal).register(registry);
        Gauge.builder(p + "devices", core, GatewayCore::devices).register(registry);
        Gauge.builder(p + "devices.stale", core, GatewayCore::staleDevices).register(registry);
        FunctionCounter.builder(p + "devices.evicted", core, GatewayCore::evicted).description("devices silent past the eviction time").register(registry);
        FunctionCounter.builder(p + "sequence.resyncs", core, GatewayCore::resyncs).description("device counter restarts recognised").register(registry);
        Gauge.builder(p + "ingest.backlog", core, GatewayCore::backlog).description("frames waiting to be processed").register(registry);
        Gauge.builder(p + "flow.throttled", core, c -> c.throttled() ? 1 : 0).register(registry);
        FunctionCounter.builder(p + "flow.throttles", core, GatewayCore::throttles).register(registry);
        FunctionCounter.builder(p + "flow.throttles.on.drops", core, GatewayCore::throttlesOnDrops)
                .description("throttles started because drops kept coming (sequence gaps, the broker's drop counter)").register(registry);
        FunctionCounter.builder(p + "broker.dropped", core, GatewayCore::brokerDropped)
                .description("messages the broker reported dropping ($SYS/broker/publish/messages/dropped) since the gateway first read it").register(registry);
        FunctionCounter.builder(p + "broker.counter.bad", this, v -> v.badBrokerCounters).register(registry);
        FunctionCounter.builder(p + "commands.sent", core, GatewayCore::commandsSent).register(registry);
        FunctionCounter.builder(p + "commands.acked", core, GatewayCore::commandsAcked).register(registry);
        FunctionCounter.builder(p + "commands.timed.out", core, GatewayCore::commandsTimedOut).register(registry);
        FunctionCounter.builder(p + "commands.refused", core, GatewayCore::commandsRefused).register(registry);
        Gauge.builder(p + "mqtt.connected", this, v -> v.connected ? 1 : 0).register(registry);
        reconnects = Counter.builder(p + "mqtt.reconnects").register(registry);
        connectionErrors = Counter.builder(p + "mqtt.connection.errors").register(registry);
        outgoingDropped = Counter.builder(p + "mqtt.outgoing.dropped").register(registry);
        FunctionCounter.builder(p + "mqtt.unacknowledged.left", this, v -> v.ignoredWhileStopping)
                .description("messages left unacknowledged (stopping, or the acknowledgement ring full), for the broker to resend").register(registry);
        FunctionCounter.builder(p + "store.failures", this, v -> v.storeFailures).register(registry);
        storeCommit = Timer.builder(p + "store.commit.latency").description("one batch of device books written and committed")
                .publishPercentileHistogram().register(registry);
        processing = Timer.builder(p + "processing.latency").description("from arrival to processed, queueing included")
                .publishPercentileHistogram().register(registry);
    }

    public GatewayCore core() {
        return core;
    }

    public boolean isConnected() {
        return connected;
    }

    /** Store commit latency so far (count, mean, max), for the test log and the README's figures. */
    public Timer storeCommitLatency() {
        return storeCommit;
    }
}
