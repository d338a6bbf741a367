package dev.storyloop.gateway.mqtt;

import dev.storyloop.gateway.GatewayOptions;
import dev.storyloop.gateway.api.GatewayApi;
import dev.storyloop.gateway.api.GatewayMeters;
import dev.storyloop.gateway.core.CommandResult;
import dev.storyloop.gateway.core.ConnectionPolicy;
import dev.storyloop.gateway.core.DeviceRecord;
import dev.storyloop.gateway.core.GatewayConnection;
import dev.storyloop.gateway.core.GatewayCore;
import dev.storyloop.gateway.core.Outbox;
import dev.storyloop.gateway.core.SequenceWindow;
import dev.storyloop.gateway.store.DeviceState;
import dev.storyloop.gateway.store.GatewayStore;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.mqtt.MqttClient;
import io.vertx.mqtt.MqttClientOptions;
import io.vertx.mqtt.messages.MqttPublishMessage;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;


/**
 * The gateway's MQTT side: the Vert.x MQTT client feeding the core and publishing its outputs,
 * driven by the core's {@link GatewayConnection} (what to subscribe to, keepalive, tick, when to
 * reconnect). The HTTP API reaches the core through {@link GatewayApi}, which this verticle points
 * at its context while it runs; meters are {@link GatewayMeters}'. Everything touching the core
 * runs on this verticle's context.
 *
 * <p>The MQTT client keeps a persistent session (clean session false), so QoS 1 frames queued by
 * the broker while the gateway was away arrive when it is back; vertx-mqtt has no reconnect, so
 * this verticle reconnects when the connection's backoff says and subscribes again. Received frames go
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
    /**
     * The largest MQTT packet the client decodes: 2 MiB. Netty's decoder closes the connection on a
     * bigger one (and at QoS 1 the broker would redeliver it at every reconnect), so this limit sits
     * well above any frame (at most 180 B) and above the broker's recommended {@code message_size_limit}
     * of 1 MiB ({@code MosquittoConfig}): whatever the broker forwards is decoded, acknowledged and
     * counted {@code oversized} by the core instead.
     */
    public static final int MQTT_MAX_MESSAGE_BYTES = 2 * 1024 * 1024;
    private static final long MILLI = 1_000_000L;
    /**
     * What a graceful stop unsubscribes from, a filter this gateway never subscribes to: the broker answers an
     * UNSUBSCRIBE after it has read every packet sent before it, so the answer says the last PUBACKs were read.
     * Unsubscribing from a filter the session does not hold changes nothing in it.
     */
    public static final String STOP_BARRIER_FILTER = "storyloop/gateway/stop-barrier";
    /** How long a stop waits for the broker's answer to the barrier before it disconnects anyway. */
    static final long STOP_BARRIER_MILLIS = 2_000;

    private final GatewayOptions options;
    private final GatewayCore core;
    private final GatewayConnection connection;
    private final ConnectionPolicy policy;
    private final GatewayApi api;
    private final GatewayMeters meters;
    private final ArrayDeque<Outgoing> outgoing = new ArrayDeque<>();
    private final GatewayStore store;                 // null: books in memory only
    private final Acks acks;
    private final List<DeviceRecord> dirtyTaken = new ArrayList<>();
    private WorkerExecutor storeThread;
    private boolean writing;
    private final List<Promise<Void>> quietWaiters = new ArrayList<>();
    private int generation;                           // a packet id is only acknowledged on the connection it came on
    private MqttClient client;
    private boolean connected;                        // this verticle's client is connected and subscribed
    private boolean stopping;                         // this verticle's, not the connection's: a newer verticle may have started it again
    private boolean drainScheduled;
    private int inflight;
    private long tickTimer = -1;
    private Promise<Void> stopBarrier;               // a stop's UNSUBSCRIBE, until the broker answers it

    private record Outgoing(String topic, byte[] payload, int qos, boolean retained) {}

    /**
     * An MQTT side around {@code core} (which outlives the verticle, so a redeployed shell keeps its
     * books), held by {@code connection}, serving {@code api}, counting into {@code meters}, and
     * committing the core's books to {@code store} (null: none) before acknowledging.
     */
    public GatewayVerticle(GatewayOptions options, GatewayCore core, GatewayConnection connection, GatewayApi api, GatewayMeters meters,
                           GatewayStore store) {
        this.options = options;
        this.core = core;
        this.connection = connection;
        this.policy = connection.policy();
        this.api = api;
        this.meters = meters;
        this.store = store;
        this.acks = new Acks(2 * options.core().ingestCapacity()); // queued plus applied-not-yet-committed
    }

    @Override
    public Future<?> start() {
        core.attach(this);
        connection.start();
        api.serve(context);
        MqttClientOptions mqtt = new MqttClientOptions().setClientId(options.clientId()).setCleanSession(!policy.persistentSession())
                .setKeepAliveInterval(policy.keepAliveSeconds()).setAutoKeepAlive(true).setMaxInflightQueue(MQTT_INFLIGHT)
                .setMaxMessageSize(MQTT_MAX_MESSAGE_BYTES);
        mqtt.setAutoAck(false); // acknowledged once applied (and committed): see the class comment; returns void: not chainable
        if (options.mqttUser() != null) mqtt.setUsername(options.mqttUser()).setPassword(options.mqttPassword());
        if (store != null) storeThread = vertx.createSharedWorkerExecutor("storyloop-gateway-store-" + options.clientId(), 1);
        client = MqttClient.create(vertx, mqtt);
        client.publishHandler(message -> {
            if (policy.isBrokerCounter(message.topicName())) {
                if (message.qosLevel() != MqttQoS.AT_MOST_ONCE && !stopping) message.ack();
                connection.brokerCounter(System.nanoTime(), message.payload().getBytes());
                return;
            }
            MqttPublishMessage ack = message.qosLevel() == MqttQoS.AT_MOST_ONCE ? null : message;
            if (stopping || acks.full()) {
                meters.unacknowledgedLeft(); // not acknowledged: the broker delivers it again to the next process
                return;
            }
            if (core.enqueue(System.nanoTime(), message.topicName(), message.payload().getBytes())) {
                acks.received(ack, generation);
                scheduleDrain();
            } else {
                if (ack != null) ack.ack(); // refused and counted as ingest-full by the core: the broker must not resend it for ever
            }
        });
        client.publishCompletionHandler(packetId -> {
            inflight = Math.max(0, inflight - 1);
            pump();
        });
        // This verticle unsubscribes only for a stop's barrier: any UNSUBACK while one is out answers it.
        client.unsubscribeCompletionHandler(packetId -> {
            if (stopBarrier != null) stopBarrier.tryComplete();
        });
        client.publishCompletionExpirationHandler(packetId -> {
            inflight = Math.max(0, inflight - 1);
            pump();
        });
        client.closeHandler(v -> {
            if (!stopping) LOG.log(System.Logger.Level.WARNING, "MQTT connection to " + options.brokerHost() + ":" + options.brokerPort() + " closed; reconnecting");
            if (stopBarrier != null && stopBarrier.tryComplete()) {
                // Lost while a stop waited for the broker's answer: the broker may not have read the last acknowledgements.
                LOG.log(System.Logger.Level.WARNING, "MQTT connection to " + options.brokerHost() + ":" + options.brokerPort()
                        + " closed while stopping, before the broker answered the stop's UNSUBSCRIBE");
            }
            connected = false;
            generation++; // packet ids of the old connection mean nothing on the next one; the broker resends those messages
            inflight = 0;
            scheduleReconnect();
        });
        client.exceptionHandler(error -> {
            connection.error();
            LOG.log(System.Logger.Level.WARNING, "MQTT connection error with " + options.brokerHost() + ":" + options.brokerPort()
                    + ": " + error, error);
        });
        tickTimer = vertx.setPeriodic(Math.max(1, policy.tickNanos() / MILLI), id -> connection.tick(System.nanoTime()));
        connect();
        return Future.succeededFuture(); // serving starts at once; the MQTT connection follows with its retries
    }

    /**
     * Stops taking messages, applies what was received, commits and acknowledges it, waits until the
     * broker has read the acknowledgements, then disconnects: a graceful stop loses nothing and applies
     * nothing twice.
     */
    @Override
    public Future<?> stop() {
        stopping = true;
        connection.stop();
        api.stopServing();
        if (tickTimer >= 0) vertx.cancelTimer(tickTimer);
        while (core.backlog() > 0) applied(core.drain(System.nanoTime(), DRAIN_BATCH));
        core.attach(Outbox.NONE);
        Promise<Void> quiet = Promise.promise();
        quietWaiters.add(quiet);
        persist();
        return quiet.future().compose(v -> brokerReadAcks())
                .compose(v -> client != null && client.isConnected()
                        ? client.disconnect().recover(e -> Future.succeededFuture()) : Future.<Void>succeededFuture())
                .eventually(() -> storeThread == null ? Future.succeededFuture() : storeThread.close());
    }

    /**
     * Completes once the broker has read every PUBACK written so far, or after {@link #STOP_BARRIER_MILLIS}.
     * Closing the socket while the broker's next PUBLISHes sit unread in it makes the kernel send a reset,
     * and a reset lets the broker's kernel discard what the broker had not read yet: the last PUBACKs, whose
     * messages the broker would then deliver again to the next process, which (without a store) applies them
     * a second time. The broker answers packets in the order it reads them, so the answer to an UNSUBSCRIBE
     * sent after the PUBACKs says they were read.
     */
    private Future<Void> brokerReadAcks() {
        if (client == null || !client.isConnected()) return Future.succeededFuture();
        stopBarrier = Promise.promise();
        Promise<Void> answered = stopBarrier;
        long timer = vertx.setTimer(STOP_BARRIER_MILLIS, id -> {
            if (answered.tryComplete()) {
                LOG.log(System.Logger.Level.WARNING, "the broker did not answer the stop's UNSUBSCRIBE within " + STOP_BARRIER_MILLIS
                        + " ms; disconnecting without knowing it read the last acknowledgements");
            }
        });
        client.unsubscribe(STOP_BARRIER_FILTER); // its future completes when sent, not answered: the UNSUBACK handler and the timer end the wait
        return answered.future().onComplete(done -> vertx.cancelTimer(timer));
    }

    // ---- MQTT ----------------------------------------------------------------------------------

    private void connect() {
        if (stopping) return;
        client.connect(options.brokerPort(), options.brokerHost()).compose(ack -> {
            Map<String, Integer> filters = new LinkedHashMap<>(); // one SUBSCRIBE; a filter the broker refuses (granted 0x80) is left out
            for (ConnectionPolicy.Subscription subscription : connection.connected(System.nanoTime())) {
                filters.put(subscription.filter(), subscription.qos());
            }
            return client.subscribe(filters);
        }).onSuccess(packetId -> {
            connected = true;
            connection.subscribed(System.nanoTime());
            pump();
        }).onFailure(error -> {
            connection.error(); // a refused or failed connect is a connection error too, as the README's counter says
            LOG.log(System.Logger.Level.WARNING, "MQTT connect to " + options.brokerHost() + ":" + options.brokerPort() + " failed: " + error);
            if (client.isConnected()) client.disconnect(); // half set up: the close handler reconnects
            else scheduleReconnect();
        });
    }

    /** The connection closed or an attempt failed: try again when the connection's backoff says. */
    private void scheduleReconnect() {
        if (stopping) return;
        long now = System.nanoTime();
        long at = connection.lost(now);
        if (at == GatewayConnection.NEVER) return;
        vertx.setTimer(Math.max(1, (at - now) / MILLI), id -> connect());
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
            meters.storeCommitted(System.nanoTime() - started);
            if (result.succeeded()) {
                acknowledgeCommitted(pendingAcks);
            } else {
                // Not acknowledged: the broker redelivers these to the next process. The gateway cannot keep books it cannot save.
                meters.storeFailed();
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
        for (int i = 0; i < count; i++) acks.commitOldest(live ? generation : -1);
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
            meters.outgoingDropped(); // a command then times out; a credit is sent again at the next change
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
                    .onFailure(error -> meters.outgoingDropped());
        }
    }

    @Override
    public void commandCompleted(CommandResult result) {
        api.commandCompleted(result);
    }

    @Override
    public void processed(long latencyNanos) {
        meters.processed(latencyNanos);
    }

    public GatewayCore core() {
        return core;
    }

    public boolean isConnected() {
        return connected;
    }
}
