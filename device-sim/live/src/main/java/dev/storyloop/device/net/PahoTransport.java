package dev.storyloop.device.net;

import org.eclipse.paho.client.mqttv3.IMqttActionListener;
import org.eclipse.paho.client.mqttv3.IMqttDeliveryToken;
import org.eclipse.paho.client.mqttv3.IMqttToken;
import org.eclipse.paho.client.mqttv3.MqttAsyncClient;
import org.eclipse.paho.client.mqttv3.MqttCallback;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.MqttPingSender;
import org.eclipse.paho.client.mqttv3.internal.ClientComms;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;

import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The device's {@link Transport} in the live world: a thin driver between Eclipse Paho's
 * {@link MqttAsyncClient} 1.2.5 and the device's {@link ClientSession}.
 *
 * <p>Paho's threads are interrupt handlers here: a callback never touches the session. It puts the
 * event (CONNACK, SUBACK, message, loss), stamped with the hand-over time, on a lock-free queue and
 * rings one of the session's interrupt lines (a PUBACK is only a flag in its publish's op and a
 * ring: {@link SessionOp#answer(long)}), which puts the waiting task on the
 * executor's bounded interrupt queue; the session drains the queue on the loop at the start of its
 * next poll. The time from hand-over to that drain is recorded in {@link #wakeLatency()}. Messages
 * on the queue are bounded by the session's inbound bound; a message beyond it is dropped (QoS 0)
 * or left unacknowledged for the broker to send again (QoS 1), and counted. Every other event
 * answers an operation the loop started, so their number is bounded by the window and the tasks.
 *
 * <p>Paho's window: Paho refuses a publish with "too many publishes in progress" (32202) when
 * {@code maxInflight} publishes (QoS 0 not yet written, QoS 1 not yet acknowledged) are under way.
 * This driver sets that window itself and counts its own publishes the same way, releasing each
 * only in the completion callback, which Paho calls after it has freed the slot; a publish beyond
 * it is the session's "no room" and waits on the room line, rung by the next completion. So Paho
 * never has to refuse; {@link #inflightRefusals()} counts the refusals that happen anyway and
 * should stay 0.
 *
 * <p>Each connect makes a fresh Paho client and retires the previous one on a closer thread, so a
 * connect that was given up never blocks the loop and never leaves Paho in "connect in progress";
 * events from a retired client are ignored. Paho's automatic reconnect is off: the firmware's
 * connection task owns reconnecting. {@link #close()} closes the client, because Paho's threads are
 * not daemons.
 *
 * <p>The keepalive runs on the loop, as in firmware whose MQTT stack shares the executor's thread
 * (and as the simulated client does): Paho's ping timer only marks the check due and rings the loss
 * line; the check ({@code checkForActivity}) runs in the session's keepalive turn, when the
 * connection's lost-waiter is polled. A blocked loop sends no PINGREQ.
 */
public final class PahoTransport extends SessionDriver implements AutoCloseable {
    public static final int MAX_INFLIGHT_DEFAULT = 10;
    public static final int INBOUND_CAPACITY_DEFAULT = 32;
    static final int CONNECT_TCP_TIMEOUT_SECONDS = 10;
    static final long CLOSE_WAIT_MILLIS = 1_000;
    private static final int RETIRING_MAX = 1024;
    private static final ThreadPoolExecutor CLOSER = closer();
    /** Marks keepalive checks due; one pending timer per live client, so bounded by the clients in the JVM. */
    private static final ScheduledThreadPoolExecutor PING_TIMER = pingTimer();

    private final String serverUri;
    private final String clientId;
    private final int maxInflight;
    private final int messagesQueuedMax;
    private final WakeLatency wakeLatency = new WakeLatency();
    private final ConcurrentLinkedQueue<Event> inbox = new ConcurrentLinkedQueue<>();
    private final AtomicInteger messagesQueued = new AtomicInteger();
    private final AtomicLong messagesDroppedAtHandOver = new AtomicLong();
    private final AtomicLong messagesRefusedAtHandOver = new AtomicLong();
    private final AtomicLong inflightRefusals = new AtomicLong();
    private final AtomicLong windowWaits = new AtomicLong();
    private final PublishDone publishDone = new PublishDone();
    private final SubscribeDone subscribeDone = new SubscribeDone();
    private final ConnectDone connectDone = new ConnectDone();
    private volatile Client current; // written on the loop (and by close); callbacks compare against it
    private volatile boolean closed;

    private enum Kind { CONNACK, SUBACK, MESSAGE, CLOSED }

    /** One event handed from a Paho thread to the loop. */
    private record Event(Kind kind, Client from, int packetId, boolean granted, String reason, InboundMessage message,
                         long handedOverNanos) {}

    public PahoTransport(String serverUri, String clientId) {
        this(serverUri, clientId, MAX_INFLIGHT_DEFAULT, INBOUND_CAPACITY_DEFAULT);
    }

    public PahoTransport(String serverUri, String clientId, int maxInflight, int inboundCapacity) {
        super("paho:" + Objects.requireNonNull(clientId, "clientId"), maxInflight, inboundCapacity);
        this.serverUri = Objects.requireNonNull(serverUri, "serverUri");
        this.clientId = clientId;
        this.maxInflight = maxInflight;
        this.messagesQueuedMax = inboundCapacity + ClientSession.QOS1_OVERFLOW_MAX;
    }

    private static ScheduledThreadPoolExecutor pingTimer() {
        ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1, r -> {
            Thread thread = new Thread(r, "paho-keepalive-due");
            thread.setDaemon(true);
            return thread;
        });
        timer.setRemoveOnCancelPolicy(true); // a cancelled check does not linger until its time
        return timer;
    }

    private static ThreadPoolExecutor closer() {
        return new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new ArrayBlockingQueue<>(RETIRING_MAX), r -> {
            Thread thread = new Thread(r, "paho-closer");
            thread.setDaemon(true);
            return thread;
        });
    }

    public WakeLatency wakeLatency() { return wakeLatency; }
    /** Publishes Paho refused with "too many publishes in progress" (32202) although the window said there was room; 0 in steady state. */
    public long inflightRefusals() { return inflightRefusals.get(); }
    /** Publishes that found Paho's window full and waited on the room line. */
    public long windowWaits() { return windowWaits.get(); }
    /** Inbound QoS 1 messages left unacknowledged at the hand-over because the queue to the loop was full. */
    public long inboundRefused() { return messagesRefusedAtHandOver.get() + session.inboundRefused(); }

    /** QoS 0 messages dropped at the hand-over to the loop or in the session's inbound queue. */
    @Override
    public long inboundDropped() {
        return messagesDroppedAtHandOver.get() + session.inboundDropped();
    }

    /** Closes the current client, waiting up to about a second; call from outside the loop at exit. */
    @Override
    public void close() {
        closed = true;
        Client client = current;
        if (client != null) {
            client.retired = true; // its own loss callback, which the shutdown causes, is not needed
            client.lose("closed"); // a loop that still runs hears it and ends what was outstanding
            client.shutDown(true);
        }
    }

    // ---- the session's actions as Paho calls (loop thread) -------------------------------------

    @Override
    public String clientId() {
        return clientId;
    }

    @Override
    public String peerName() {
        return serverUri;
    }

    @Override
    public boolean answersOffLoop() {
        return true;
    }

    @Override
    public boolean open(ConnectOptions options, SessionOp<?> connect) {
        retire(current, true);
        current = null;
        if (closed) return false;
        try {
            Client client = new Client();
            current = client;
            client.paho.connect(pahoOptions(options), connect, connectDone);
            return true;
        } catch (MqttException e) {
            current = null;
            return false;
        }
    }

    private MqttConnectOptions pahoOptions(ConnectOptions options) {
        MqttConnectOptions paho = new MqttConnectOptions();
        paho.setCleanSession(options.cleanSession());
        paho.setKeepAliveInterval(options.keepAliveSeconds());
        paho.setAutomaticReconnect(false);
        paho.setMaxInflight(maxInflight); // the window this driver counts against
        paho.setConnectionTimeout(CONNECT_TCP_TIMEOUT_SECONDS);
        if (options.hasWill()) paho.setWill(options.willTopic(), options.willPayload(), options.willQos(), options.willRetained());
        return paho;
    }

    @Override
    public void abandon() {
        retire(current, false);
        current = null;
    }

    @Override
    public void sendDisconnect() {
        retire(current, true);
        current = null;
    }

    @Override
    public int publish(String topic, byte[] payload, int qos, boolean retained, SessionOp<?> op) {
        Client client = current;
        if (client == null) return FAILED;
        if (!client.takeSlot()) {
            windowWaits.incrementAndGet();
            return NO_ROOM;
        }
        try {
            IMqttDeliveryToken token = client.paho.publish(topic, payload, qos, retained, op, publishDone);
            return qos == 0 ? 0 : token.getMessageId();
        } catch (MqttException e) {
            client.releaseSlot();
            if (e.getReasonCode() != MqttException.REASON_CODE_MAX_INFLIGHT) return FAILED;
            inflightRefusals.incrementAndGet();
            client.roomWanted.set(true);
            return NO_ROOM;
        }
    }

    @Override
    public boolean hasRoom() {
        Client client = current;
        return client == null || client.inflight.get() < maxInflight; // no client: the waiter finds the connection gone
    }

    @Override
    public boolean subscribe(String filter, int qos, SessionOp<?> op) {
        Client client = current;
        if (client == null) return false;
        try {
            client.paho.subscribe(filter, qos, op, subscribeDone);
            return true;
        } catch (MqttException e) {
            return false;
        }
    }

    @Override
    public void acknowledge(int packetId) {
        Client client = current;
        if (client == null) return;
        try {
            client.paho.messageArrivedComplete(packetId, 1);
        } catch (MqttException e) {
            // The connection is going; the broker sends the message again on the next session.
        }
    }

    @Override
    public void keepaliveTurn(long nowNanos) {
        Client client = current;
        if (client != null) client.pings.runIfDue();
    }

    @Override
    public void answerTaken(long handedOverNanos) {
        wakeLatency.record(handedOverNanos);
    }

    @Override
    public boolean hasQueued() {
        return !inbox.isEmpty();
    }

    /** Loop thread: hands the session what Paho's threads queued, in the order they queued it. */
    @Override
    public void drain(ClientSession session, long nowNanos) {
        Event event;
        while ((event = inbox.poll()) != null) {
            wakeLatency.record(event.handedOverNanos());
            if (event.kind() == Kind.MESSAGE) messagesQueued.decrementAndGet();
            if (event.from() != current) continue; // a retired client's late word
            switch (event.kind()) {
                case CONNACK -> session.onConnack(false, nowNanos);
                case SUBACK -> session.onSuback(event.granted(), nowNanos);
                case MESSAGE -> session.onMessage(event.message(), event.packetId(), nowNanos);
                case CLOSED -> {
                    current = null;
                    if (!closed) retire(event.from(), false); // close() shuts its client down itself
                    session.onClosed(event.reason(), nowNanos);
                }
            }
        }
    }

    private void retire(Client old, boolean polite) {
        if (old == null) return;
        old.retired = true;
        try {
            CLOSER.execute(() -> old.shutDown(polite));
        } catch (RejectedExecutionException full) {
            old.shutDown(false);
        }
    }

    // ---- Paho's side: one client per connection ------------------------------------------------

    /** One Paho client and the connection it makes. */
    private final class Client implements MqttCallback {
        final MqttAsyncClient paho;
        final LoopPingSender pings = new LoopPingSender();
        /** Publishes handed to Paho and not yet completed: taken on the loop, released in Paho's completion callback. */
        final AtomicInteger inflight = new AtomicInteger();
        final AtomicBoolean roomWanted = new AtomicBoolean();
        volatile boolean retired;

        Client() throws MqttException {
            this.paho = new MqttAsyncClient(serverUri, clientId, new MemoryPersistence(), pings);
            this.paho.setManualAcks(true);
            this.paho.setCallback(this);
        }

        /** Loop thread: a slot in Paho's window, or false (and the next release rings the room line). */
        boolean takeSlot() {
            if (inflight.incrementAndGet() <= maxInflight) return true;
            inflight.decrementAndGet();
            roomWanted.set(true);
            if (inflight.incrementAndGet() <= maxInflight) { // a release between the two looks: take it after all
                roomWanted.set(false);
                return true;
            }
            inflight.decrementAndGet();
            return false;
        }

        /** Any thread: a publish completed (or was never taken); a publish waiting for room looks again. */
        void releaseSlot() {
            inflight.decrementAndGet();
            if (roomWanted.getAndSet(false)) session.interruptRoom();
        }

        void handOver(Kind kind, int packetId, boolean granted, String reason, InboundMessage message) {
            inbox.add(new Event(kind, this, packetId, granted, reason, message, System.nanoTime()));
        }

        @Override
        public void connectionLost(Throwable cause) {
            if (retired) return;
            lose(cause == null ? "connection lost" : String.valueOf(cause.getMessage()));
        }

        void lose(String reason) {
            handOver(Kind.CLOSED, 0, false, reason, null);
            // Whoever waits hears it: the connection's lost-waiter, the receiver, a publish waiting for room.
            session.interruptLoss();
            session.interruptReceiver();
            session.interruptRoom();
        }

        @Override
        public void messageArrived(String topic, MqttMessage message) {
            if (retired) return;
            if (messagesQueued.incrementAndGet() > messagesQueuedMax) {
                messagesQueued.decrementAndGet();
                // Not acknowledged at QoS 1: the broker sends it again on the next session.
                (message.getQos() == 0 ? messagesDroppedAtHandOver : messagesRefusedAtHandOver).incrementAndGet();
                return;
            }
            handOver(Kind.MESSAGE, message.getId(), false, null, new InboundMessage(topic, message.getPayload(),
                    message.getQos(), message.isRetained(), message.isDuplicate()));
            session.interruptReceiver();
        }

        @Override
        public void deliveryComplete(IMqttDeliveryToken token) {
            // The publish's own listener reports it (PublishDone).
        }

        /**
         * Paho's keepalive, with the check itself left to the loop: the timer (Paho asks for it after
         * each check, at the next time something must go out) only marks it due and rings the loss line.
         */
        final class LoopPingSender implements MqttPingSender {
            private volatile ClientComms comms;
            private volatile ScheduledFuture<?> timer;
            private volatile boolean due;

            @Override public void init(ClientComms comms) {
                this.comms = comms;
            }

            @Override public void start() {
                schedule(comms.getKeepAlive());
            }

            @Override public void stop() {
                ScheduledFuture<?> pending = timer;
                if (pending != null) pending.cancel(false);
            }

            @Override public void schedule(long delayInMilliseconds) {
                stop();
                timer = PING_TIMER.schedule(() -> {
                    due = true;
                    session.interruptLoss();
                }, Math.max(0, delayInMilliseconds), TimeUnit.MILLISECONDS);
            }

            /** Loop thread: runs a due check; Paho sends the PINGREQ (or gives the connection up) and asks for the next. */
            void runIfDue() {
                if (!due || retired) return;
                due = false;
                ClientComms comms = this.comms;
                if (comms != null) comms.checkForActivity();
            }
        }

        /** Disconnect (politely or not) and close the Paho client; runs on the closer thread or at exit. */
        void shutDown(boolean polite) {
            try {
                if (polite && paho.isConnected()) paho.disconnect(0).waitForCompletion(CLOSE_WAIT_MILLIS);
            } catch (MqttException e) {
                // fall through to the forcible path
            }
            try {
                if (paho.isConnected()) paho.disconnectForcibly(0, CLOSE_WAIT_MILLIS, false);
            } catch (MqttException e) {
                // closing below regardless
            }
            try {
                paho.close(true);
            } catch (MqttException e) {
                // nothing more can be done; its threads end with its socket
            }
        }
    }

    /** Which client a token belongs to: the one that is current when the token's callback runs, if it is the token's. */
    private Client clientOf(IMqttToken token) {
        Client client = current;
        return client != null && token.getClient() == client.paho ? client : null;
    }

    /** Paho's callbacks for the connect: hand the outcome over, then ring the connect's interrupt line. */
    private final class ConnectDone implements IMqttActionListener {
        @Override
        public void onSuccess(IMqttToken token) {
            Client client = clientOf(token);
            if (client == null) return; // given up already
            client.handOver(Kind.CONNACK, 0, true, null, null);
            ((SessionOp<?>) token.getUserContext()).interrupt();
        }

        @Override
        public void onFailure(IMqttToken token, Throwable cause) {
            Client client = clientOf(token);
            if (client == null) return;
            client.handOver(Kind.CLOSED, 0, false, "connect failed: " + (cause == null ? "unknown" : cause.getMessage()), null);
            ((SessionOp<?>) token.getUserContext()).interrupt();
        }
    }

    /**
     * Paho's callbacks for every publish: the window slot is released (Paho freed its own before
     * calling), and a QoS 1 PUBACK is handed over in the publish's own op (no event object per message).
     * A failure needs no event: the loss that caused it follows and fails every outstanding publish.
     */
    private final class PublishDone implements IMqttActionListener {
        @Override
        public void onSuccess(IMqttToken token) {
            Client client = clientOf(token);
            if (client == null) return;
            // The slot first: the loop, woken by the answer, may publish again at once, and should find room.
            client.releaseSlot();
            if (token.getMessageId() > 0) ((SessionOp<?>) token.getUserContext()).answer(System.nanoTime()); // QoS 0: no id
        }

        @Override
        public void onFailure(IMqttToken token, Throwable cause) {
            Client client = clientOf(token);
            if (client != null) client.releaseSlot();
        }
    }

    /** Paho's callbacks for a subscribe: SUBACK (granted or not) handed over in order. */
    private final class SubscribeDone implements IMqttActionListener {
        @Override
        public void onSuccess(IMqttToken token) {
            Client client = clientOf(token);
            if (client == null) return;
            int[] granted = token.getGrantedQos();
            client.handOver(Kind.SUBACK, 0, granted != null && granted.length > 0 && granted[0] >= 0 && granted[0] <= 2, null, null);
            ((SessionOp<?>) token.getUserContext()).interrupt();
        }

        @Override
        public void onFailure(IMqttToken token, Throwable cause) {
            Client client = clientOf(token);
            if (client == null) return;
            client.handOver(Kind.SUBACK, 0, false, null, null);
            ((SessionOp<?>) token.getUserContext()).interrupt();
        }
    }

    @Override
    public String toString() {
        return "messages from " + serverUri + " for " + clientId;
    }
}
