package dev.storyloop.device.net;

import dev.storyloop.device.exec.Context;
import dev.storyloop.device.exec.Future;
import dev.storyloop.device.exec.Poll;
import dev.storyloop.device.exec.WakeSource;
import dev.storyloop.device.exec.WakerSlot;
import org.eclipse.paho.client.mqttv3.IMqttActionListener;
import org.eclipse.paho.client.mqttv3.IMqttDeliveryToken;
import org.eclipse.paho.client.mqttv3.IMqttToken;
import org.eclipse.paho.client.mqttv3.MqttAsyncClient;
import org.eclipse.paho.client.mqttv3.MqttCallbackExtended;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.MqttPingSender;
import org.eclipse.paho.client.mqttv3.internal.ClientComms;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The device's {@link Transport} in the live world: Eclipse Paho's {@link MqttAsyncClient} 1.2.5.
 *
 * <p>Paho's threads are interrupt handlers here: a callback never touches firmware state. It
 * stores the outcome in the waiting future (a volatile field), stamps the time, and wakes the
 * future's task through a {@link WakerSlot}, which puts the task on the executor's bounded
 * lock-free interrupt queue. Inbound messages go through a queue bounded at {@code inboundCapacity}
 * (QoS 0 beyond it is dropped and counted). The time from hand-over to the task's poll is
 * recorded in {@link #wakeLatency()}.
 *
 * <p>Each connect makes a fresh Paho client and retires the previous one on a closer thread, so a
 * connect that was given up (no CONNACK before the firmware's deadline: Paho's own timeout only
 * covers the TCP connect) never blocks the loop and never leaves Paho in "connect in progress".
 * Paho's automatic reconnect is off: the firmware's connection task owns reconnecting (Paho's
 * reconnect delay is a static shared by every client in the JVM). Paho's "too many publishes in
 * progress" (32202) is backpressure: the publish stays pending until a delivery completes.
 * {@link #close()} disconnects and closes every client, because Paho's threads are not daemons.
 *
 * <p>The keepalive runs on the loop, as it does in firmware whose MQTT stack shares the executor's
 * thread (and as the simulated client does): Paho's own pinger would send PINGREQ from a timer thread
 * while the loop stood still, so a loop blocked for longer than the broker's keepalive would never be
 * noticed live. Here Paho's ping timer only marks the check due and wakes the connection's
 * lost-waiter; the check ({@code checkForActivity}: send PINGREQ if nothing went out for a keepalive,
 * give up when a PINGRESP is overdue) runs when the loop polls that waiter. A blocked loop sends no
 * PINGREQ.
 */
public final class PahoTransport implements Transport, WakeSource, AutoCloseable {
    public static final int MAX_INFLIGHT_DEFAULT = 10;
    public static final int INBOUND_CAPACITY_DEFAULT = 32;
    static final int CONNECT_TCP_TIMEOUT_SECONDS = 10;
    static final long CLOSE_WAIT_MILLIS = 1_000;
    private static final int RETIRING_MAX = 1024;
    private static final ThreadPoolExecutor CLOSER = closer();
    /** Marks keepalive checks due; one pending timer per live session, so bounded by the sessions in the JVM. */
    private static final ScheduledThreadPoolExecutor PING_TIMER = pingTimer();

    private final String serverUri;
    private final String clientId;
    private final int maxInflight;
    private final int inboundCapacity;
    private final WakeLatency wakeLatency = new WakeLatency();
    private final ConcurrentLinkedQueue<Inbound> inbound = new ConcurrentLinkedQueue<>();
    private final AtomicInteger inboundSize = new AtomicInteger();
    private final AtomicLong inboundDropped = new AtomicLong();
    private final WakerSlot receiver = new WakerSlot();
    private final ReceiveFuture receive = new ReceiveFuture();
    private final ConcurrentLinkedQueue<PublishFuture> roomWaiters = new ConcurrentLinkedQueue<>(); // woken by Paho's thread
    private final ArrayDeque<PublishFuture> awaitingRoom = new ArrayDeque<>();                      // their order (loop thread)
    private final Set<Pending<?>> outstanding = ConcurrentHashMap.newKeySet();
    private final List<LostFuture> lostWaiters = new ArrayList<>(); // guarded by itself
    private final Object lossWait = new Object() {
        @Override public String toString() { return "the connection to " + serverUri + " to be lost"; }
    };
    private final Object room = new Object() {
        @Override public String toString() { return "room in Paho's in-flight window (" + maxInflight + ")"; }
    };
    private volatile Session session;
    private volatile String lastLossReason = "never connected";
    private final AtomicLong connections = new AtomicLong();
    private final AtomicLong inflightRefusals = new AtomicLong();
    private volatile boolean closed;

    private record Inbound(InboundMessage message, int messageId, Session session, long handedOverNanos) {}

    public PahoTransport(String serverUri, String clientId) {
        this(serverUri, clientId, MAX_INFLIGHT_DEFAULT, INBOUND_CAPACITY_DEFAULT);
    }

    public PahoTransport(String serverUri, String clientId, int maxInflight, int inboundCapacity) {
        this.serverUri = Objects.requireNonNull(serverUri, "serverUri");
        this.clientId = Objects.requireNonNull(clientId, "clientId");
        if (maxInflight <= 0) throw new IllegalArgumentException("maxInflight must be > 0");
        if (inboundCapacity <= 0) throw new IllegalArgumentException("inboundCapacity must be > 0");
        this.maxInflight = maxInflight;
        this.inboundCapacity = inboundCapacity;
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
        ThreadPoolExecutor pool = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new ArrayBlockingQueue<>(RETIRING_MAX), r -> {
            Thread thread = new Thread(r, "paho-closer");
            thread.setDaemon(true);
            return thread;
        });
        return pool;
    }

    // ---- Transport ----------------------------------------------------------------------------

    @Override
    public Future<Boolean> connect(ConnectOptions options) {
        return new ConnectFuture(Objects.requireNonNull(options, "options"));
    }

    @Override
    public Future<Boolean> publish(String topic, byte[] payload, int qos, boolean retained) {
        return new PublishFuture(topic, payload, qos, retained);
    }

    @Override
    public Future<Boolean> subscribe(String filter, int qos) {
        return new SubscribeFuture(filter, qos);
    }

    @Override
    public Future<InboundMessage> receive() {
        receive.taken = null;
        return receive;
    }

    @Override
    public Future<String> connectionLost() {
        Session current = session;
        return new LostFuture(current != null && current.connected ? current : null);
    }

    /** Sends DISCONNECT (the will is discarded) and retires the client; returns at once. */
    @Override
    public void disconnect() {
        Session current = session;
        if (current == null) return;
        session = null;
        current.lost("disconnected");
        retire(current, true);
    }

    @Override
    public boolean isConnected() {
        Session current = session;
        return current != null && current.connected;
    }

    public WakeLatency wakeLatency() { return wakeLatency; }
    public long inboundDropped() { return inboundDropped.get(); }
    /** Connections that reached CONNACK. */
    public long connections() { return connections.get(); }
    public String lastLossReason() { return lastLossReason; }
    /** Publishes Paho refused with "too many publishes in progress" (32202); each waited for a delivery. */
    public long inflightRefusals() { return inflightRefusals.get(); }

    /** Disconnects and closes the current client, waiting up to about a second; call from outside the loop at exit. */
    @Override
    public void close() {
        closed = true;
        Session current = session;
        session = null;
        if (current != null) {
            current.lost("closed");
            current.shutDown(true);
        }
    }

    @Override
    public String wakeSourceName() {
        return "paho:" + clientId;
    }

    // ---- sessions: one Paho client each --------------------------------------------------------

    /** One Paho client and the connection it makes; callbacks from a retired session are ignored. */
    private final class Session implements MqttCallbackExtended {
        final MqttAsyncClient client;
        final LoopPingSender pings = new LoopPingSender();
        volatile boolean connected;
        volatile boolean ended;

        Session() throws MqttException {
            this.client = new MqttAsyncClient(serverUri, clientId, new MemoryPersistence(), pings);
            this.client.setManualAcks(true);
            this.client.setCallback(this);
        }

        boolean current() {
            return session == this && !ended;
        }

        @Override
        public void connectComplete(boolean reconnect, String serverURI) {
            // The connect token's listener reports the outcome.
        }

        @Override
        public void connectionLost(Throwable cause) {
            lost(cause == null ? "connection lost" : String.valueOf(cause.getMessage()));
            if (session == this) session = null;
            retire(this, false);
        }

        @Override
        public void messageArrived(String topic, MqttMessage message) {
            if (!current()) return;
            if (inboundSize.incrementAndGet() > inboundCapacity) {
                inboundSize.decrementAndGet();
                inboundDropped.incrementAndGet();
                ackQuietly(message.getId(), message.getQos()); // dropped, but never left blocking the broker's window
                return;
            }
            inbound.add(new Inbound(new InboundMessage(topic, message.getPayload(), message.getQos(), message.isRetained(),
                    message.isDuplicate()), message.getId(), this, System.nanoTime()));
            receiver.interrupt(); // a Paho thread: the interrupt path
        }

        @Override
        public void deliveryComplete(IMqttDeliveryToken token) {
            wakeRoomWaiters();
        }

        void ackQuietly(int messageId, int qos) {
            if (qos == 0 || ended) return;
            try {
                client.messageArrivedComplete(messageId, qos);
            } catch (MqttException e) {
                // The connection is going; the broker sends the message again on the next session.
            }
        }

        /** The connection is gone: everything waiting on it finishes (false), the lost-waiters hear why. */
        void lost(String reason) {
            if (ended) return;
            ended = true;
            boolean wasConnected = connected;
            connected = false;
            lastLossReason = reason;
            for (Pending<?> pending : outstanding) {
                if (pending.owner == this) pending.fail();
            }
            wakeRoomWaiters();
            if (wasConnected) {
                List<LostFuture> waiting;
                synchronized (lostWaiters) {
                    waiting = new ArrayList<>(lostWaiters);
                    lostWaiters.clear();
                }
                for (LostFuture waiter : waiting) waiter.finishWith(reason);
            }
        }

        /**
         * Paho's keepalive, with the check itself left to the loop: the timer (Paho asks for it after
         * each check, at the next time something must go out) only marks it due and wakes the waiter.
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
                    wakeLostWaiters();
                }, Math.max(0, delayInMilliseconds), TimeUnit.MILLISECONDS);
            }

            /** Loop thread: runs a due check; Paho sends the PINGREQ (or gives the connection up) and asks for the next. */
            void runIfDue() {
                if (!due || ended) return;
                due = false;
                ClientComms current = comms;
                if (current != null) current.checkForActivity();
            }
        }

        /** Disconnect (politely or not) and close the Paho client; runs on the closer thread or at exit. */
        void shutDown(boolean polite) {
            try {
                if (polite && client.isConnected()) client.disconnect(0).waitForCompletion(CLOSE_WAIT_MILLIS);
            } catch (MqttException e) {
                // fall through to the forcible path
            }
            try {
                if (client.isConnected()) client.disconnectForcibly(0, CLOSE_WAIT_MILLIS, false);
            } catch (MqttException e) {
                // closing below regardless
            }
            try {
                client.close(true);
            } catch (MqttException e) {
                // nothing more can be done; its threads end with its socket
            }
        }
    }

    private void retire(Session old, boolean polite) {
        try {
            CLOSER.execute(() -> old.shutDown(polite));
        } catch (java.util.concurrent.RejectedExecutionException full) {
            old.shutDown(false);
        }
    }

    /** Wakes the tasks waiting for the connection to be lost without ending their wait: a keepalive check is due. */
    private void wakeLostWaiters() {
        List<LostFuture> waiting;
        synchronized (lostWaiters) {
            waiting = new ArrayList<>(lostWaiters);
        }
        for (LostFuture waiter : waiting) waiter.waker.interrupt(); // the ping timer's thread
    }

    private void wakeRoomWaiters() {
        PublishFuture waiting;
        while ((waiting = roomWaiters.poll()) != null) {
            waiting.queuedForRoom = false;
            waiting.waker.interrupt(); // a Paho thread or the loop: the path that is safe from both
        }
    }

    // ---- futures --------------------------------------------------------------------------------

    /** A future finished from a Paho thread: outcome and hand-over time set before the wake. */
    private abstract class Pending<T> implements Future<T>, IMqttActionListener {
        final WakerSlot waker = new WakerSlot();
        Session owner;
        volatile boolean done;
        volatile T result;
        volatile long handedOverNanos;
        private boolean observed;

        void finish(T value) {
            if (done) return;
            result = value;
            handedOverNanos = System.nanoTime();
            done = true;
            outstanding.remove(this);
            waker.interrupt(); // finished on a Paho thread or the loop: the path that is safe from both
        }

        abstract void fail();

        /** Loop thread: READY once done, recording the wake latency the first time. */
        Poll ready() {
            if (!observed) {
                observed = true;
                wakeLatency.record(handedOverNanos);
            }
            return Poll.READY;
        }

        Poll waitFor(Context cx, Object what) {
            waker.register(cx);
            if (done) { // finished between the check and the registration
                waker.clear();
                return ready();
            }
            cx.waitingOn(what);
            return Poll.PENDING;
        }

        void track(Session session) {
            owner = session;
            outstanding.add(this);
            if (session.ended) fail(); // lost before we were tracked
        }

        @Override
        public T output() {
            return result;
        }

        @Override
        public void cancel() {
            waker.clear();
            outstanding.remove(this);
        }
    }

    private final class ConnectFuture extends Pending<Boolean> {
        private final ConnectOptions options;
        private boolean started;

        ConnectFuture(ConnectOptions options) {
            this.options = options;
        }

        @Override
        public Poll poll(Context cx) {
            if (done) return ready();
            if (!started) {
                started = true;
                if (closed) {
                    finish(false);
                    return ready();
                }
                Session previous = PahoTransport.this.session;
                if (previous != null) {
                    PahoTransport.this.session = null;
                    previous.lost("replaced by a new connection");
                    retire(previous, true);
                }
                try {
                    Session next = new Session();
                    PahoTransport.this.session = next;
                    track(next);
                    next.client.connect(pahoOptions(), null, this);
                } catch (MqttException e) {
                    lastLossReason = "connect failed: " + e.getMessage();
                    finish(false);
                    return ready();
                }
            }
            return waitFor(cx, this);
        }

        private MqttConnectOptions pahoOptions() {
            MqttConnectOptions paho = new MqttConnectOptions();
            paho.setCleanSession(options.cleanSession());
            paho.setKeepAliveInterval(options.keepAliveSeconds());
            paho.setAutomaticReconnect(false);
            paho.setMaxInflight(maxInflight);
            paho.setConnectionTimeout(CONNECT_TCP_TIMEOUT_SECONDS);
            if (options.hasWill()) paho.setWill(options.willTopic(), options.willPayload(), options.willQos(), options.willRetained());
            return paho;
        }

        @Override
        public void onSuccess(IMqttToken token) {
            if (owner != PahoTransport.this.session) return; // given up already
            owner.connected = true;
            connections.incrementAndGet();
            finish(true);
        }

        @Override
        public void onFailure(IMqttToken token, Throwable cause) {
            lastLossReason = "connect failed: " + (cause == null ? "unknown" : cause.getMessage());
            finish(false);
        }

        @Override
        void fail() {
            finish(false);
        }

        /** Given up (the firmware's connect deadline): the half-made connection is retired off the loop. */
        @Override
        public void cancel() {
            super.cancel();
            if (!done && owner != null && PahoTransport.this.session == owner) {
                Session abandoned = owner;
                PahoTransport.this.session = null;
                abandoned.lost("connect abandoned");
                retire(abandoned, false);
            }
        }

        @Override
        public String toString() {
            return "CONNACK from " + serverUri;
        }
    }

    private final class PublishFuture extends Pending<Boolean> {
        private final String topic;
        private final byte[] payload;
        private final int qos;
        private final boolean retained;
        private boolean sent;
        private boolean inLine;     // in awaitingRoom (loop thread)
        boolean queuedForRoom;      // in roomWaiters (woken by Paho's thread)

        PublishFuture(String topic, byte[] payload, int qos, boolean retained) {
            this.topic = topic;
            this.payload = payload;
            this.qos = qos;
            this.retained = retained;
        }

        @Override
        public Poll poll(Context cx) {
            if (done) return ready();
            if (sent) return waitFor(cx, this);
            Session current = PahoTransport.this.session;
            if (current == null || !current.connected) {
                leaveLine();
                finish(false);
                return ready();
            }
            // Publishes go to Paho in the order they were first tried: none overtakes one that waits for room.
            if (!awaitingRoom.isEmpty() && awaitingRoom.peekFirst() != this) return waitForRoom(cx, current);
            try {
                current.client.publish(topic, payload, qos, retained, null, this);
                sent = true;
                leaveLine();
                track(current);
                return waitFor(cx, this);
            } catch (MqttException e) {
                if (e.getReasonCode() == MqttException.REASON_CODE_MAX_INFLIGHT) {
                    inflightRefusals.incrementAndGet();
                    return waitForRoom(cx, current); // backpressure: a completed delivery makes room
                }
                leaveLine();
                finish(false); // not connected any more, or closed
                return ready();
            }
        }

        private Poll waitForRoom(Context cx, Session current) {
            if (!inLine) {
                inLine = true;
                awaitingRoom.addLast(this);
            }
            if (!queuedForRoom) {
                queuedForRoom = true;
                roomWaiters.add(this);
            }
            waker.register(cx);
            boolean first = awaitingRoom.peekFirst() == this;
            if (first && (current.client.getInFlightMessageCount() < maxInflight || current.ended)) {
                cx.waker().wake(PahoTransport.this); // room appeared (or the session ended) while we queued up: look again
            }
            cx.waitingOn(room);
            return Poll.PENDING;
        }

        /** Leaves the line of publishes waiting for room; the next in line gets its turn. */
        private void leaveLine() {
            if (!inLine) return;
            boolean wasFirst = awaitingRoom.peekFirst() == this;
            awaitingRoom.remove(this);
            inLine = false;
            PublishFuture next = awaitingRoom.peekFirst();
            if (wasFirst && next != null) next.waker.wake(PahoTransport.this);
        }

        @Override
        public void onSuccess(IMqttToken token) {
            finish(true);
        }

        @Override
        public void onFailure(IMqttToken token, Throwable cause) {
            finish(false);
        }

        @Override
        void fail() {
            finish(false);
        }

        @Override
        public void cancel() {
            if (queuedForRoom) roomWaiters.remove(this);
            leaveLine();
            super.cancel();
        }

        @Override
        public String toString() {
            return sent ? "delivery of a publish on " + topic : "room to publish on " + topic;
        }
    }

    private final class SubscribeFuture extends Pending<Boolean> {
        private final String filter;
        private final int qos;
        private boolean sent;

        SubscribeFuture(String filter, int qos) {
            this.filter = filter;
            this.qos = qos;
        }

        @Override
        public Poll poll(Context cx) {
            if (done) return ready();
            if (!sent) {
                Session current = PahoTransport.this.session;
                if (current == null || !current.connected) {
                    finish(false);
                    return ready();
                }
                try {
                    current.client.subscribe(filter, qos, null, this);
                    sent = true;
                    track(current);
                } catch (MqttException e) {
                    finish(false);
                    return ready();
                }
            }
            return waitFor(cx, this);
        }

        @Override
        public void onSuccess(IMqttToken token) {
            int[] granted = token.getGrantedQos();
            finish(granted != null && granted.length > 0 && granted[0] >= 0 && granted[0] <= 2);
        }

        @Override
        public void onFailure(IMqttToken token, Throwable cause) {
            finish(false);
        }

        @Override
        void fail() {
            finish(false);
        }

        @Override
        public String toString() {
            return "SUBACK for " + filter;
        }
    }

    /** The one receive future: takes the next inbound message and acknowledges it if QoS 1. */
    private final class ReceiveFuture implements Future<InboundMessage> {
        InboundMessage taken;

        @Override
        public Poll poll(Context cx) {
            Inbound next = inbound.poll();
            if (next == null) {
                receiver.register(cx);
                next = inbound.poll(); // a message that arrived while we registered
                if (next == null) {
                    cx.waitingOn(PahoTransport.this);
                    return Poll.PENDING;
                }
                receiver.clear();
            }
            inboundSize.decrementAndGet();
            wakeLatency.record(next.handedOverNanos());
            taken = next.message();
            if (next.session().current()) next.session().ackQuietly(next.messageId(), taken.qos());
            return Poll.READY;
        }

        @Override
        public InboundMessage output() {
            return taken;
        }

        @Override
        public void cancel() {
            receiver.clear();
        }
    }

    private final class LostFuture extends Pending<String> {
        private final Session of;

        LostFuture(Session of) {
            this.of = of;
            if (of == null) {
                done = true;
                result = lastLossReason;
            }
        }

        @Override
        public Poll poll(Context cx) {
            if (done) return Poll.READY;
            synchronized (lostWaiters) {
                if (!of.ended && !lostWaiters.contains(this)) lostWaiters.add(this);
            }
            if (of.ended) {
                finishWith(lastLossReason);
                return Poll.READY;
            }
            of.pings.runIfDue(); // the keepalive check, on the loop: a loop that does not run sends no PINGREQ
            return waitFor(cx, lossWait);
        }

        void finishWith(String reason) {
            finish(reason);
        }

        @Override
        void fail() {
            finish(lastLossReason);
        }

        @Override
        public void onSuccess(IMqttToken token) {}

        @Override
        public void onFailure(IMqttToken token, Throwable cause) {}

        @Override
        public void cancel() {
            synchronized (lostWaiters) {
                lostWaiters.remove(this);
            }
            super.cancel();
        }
    }

    @Override
    public String toString() {
        return "messages from " + serverUri + " for " + clientId;
    }
}
