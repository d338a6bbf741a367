package dev.storyloop.device.net;

import dev.storyloop.device.exec.Context;
import dev.storyloop.device.exec.Future;
import dev.storyloop.device.exec.Poll;
import dev.storyloop.device.exec.WakeSource;
import dev.storyloop.device.exec.WakerSlot;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The device's MQTT client session without I/O: the {@link Transport} futures, the publish window,
 * the inbound queue and what a lost connection does to each outstanding operation, written once for
 * the simulated world and for Paho.
 *
 * <p>It lives in {@code net} beside {@link Transport} because it is the one implementation of that
 * contract's semantics; the drivers ({@code SimTransport}, {@code PahoTransport}) only translate.
 * The session never touches a thread, a socket or a clock: the driver feeds it its medium's events
 * ({@link #onConnack}, {@link #onPuback}, {@link #onSuback}, {@link #onMessage}, {@link #onClosed},
 * {@link #onRoom}) with the loop's time, and the session asks the driver for actions through
 * {@link SessionWire}. Everything here runs on the loop thread. A driver whose medium answers on
 * other threads (Paho) queues the answers and hands them over in {@link SessionWire#drain}, which the
 * session calls at the start of every poll; such a driver wakes the loop through the interrupt lines
 * ({@link SessionOp#interrupt()}, {@link #interruptReceiver()}, {@link #interruptRoom()},
 * {@link #interruptLoss()}), never by calling the session from its own thread.
 *
 * <p>The keepalive rule kept here is when the check runs: in the poll of the connection's
 * lost-waiter ({@link SessionWire#keepaliveTurn}), so a loop that stands still sends no PINGREQ, as
 * in firmware whose MQTT stack shares the executor's thread. What the check does (PINGREQ after a
 * keepalive without traffic, give up when no PINGRESP follows) stays with the medium: the
 * simulated client's timers, Paho's {@code checkForActivity}.
 *
 * <p>Operations and what ends them:
 * <ol>
 *   <li>connect: CONNACK (true); closed first, or the wire cannot open (false); cancelled (the wire
 *       abandons the half-open connection).</li>
 *   <li>publish: waits for room while the line of earlier waiters is not empty, while
 *       {@code maxInflight} QoS 1 publishes await their PUBACK, or while the wire says
 *       {@link SessionWire#NO_ROOM}; publishes reach the wire in the order they first asked. QoS 0 is
 *       done (true) once the wire took it, QoS 1 on its PUBACK; false when the connection is lost
 *       first (the firmware keeps the frame and sends it again).</li>
 *   <li>subscribe: SUBACK in order (true when granted); false when closed first.</li>
 *   <li>receive: the next inbound message; a QoS 1 message is acknowledged when taken.</li>
 *   <li>connection lost: ready with the reason once the connection it was asked about is gone.</li>
 * </ol>
 *
 * <p>The inbound queue holds {@code inboundCapacity} messages. A QoS 0 message beyond that is dropped
 * and counted ({@link #inboundDropped()}). A QoS 1 message beyond it is still queued, up to
 * {@link #QOS1_OVERFLOW_MAX} more (the broker's in-flight window, which only unacknowledged messages
 * fill, normally stops it long before); past that it is refused, counted
 * ({@link #inboundRefused()}) and not acknowledged, so the broker sends it again on the next session.
 */
public final class ClientSession implements Transport, WakeSource {
    /** Room for QoS 1 messages beyond the inbound capacity: more than any broker's in-flight window here (Mosquitto's default is 20). */
    public static final int QOS1_OVERFLOW_MAX = 1_024;

    private final SessionWire wire;
    private final String name;
    private final int maxInflight;
    private final int inboundCapacity;
    private final boolean offLoop; // the wire answers on other threads: waits also register on the interrupt lines
    /** The inbound ring's first size: a device receives a command or a flow message now and then, rarely a queue of them. */
    static final int INBOUND_RING_INITIAL = 4;
    // The inbound queue: a ring of messages and their packet ids, bounded at inboundMax = inboundCapacity + QOS1_OVERFLOW_MAX.
    // The ring starts small and doubles up to that bound when full: sized at the bound from the start it was 8 kB
    // a device (a third of a simulated device's heap) for a queue that holds one message at a time.
    private final int inboundMax;
    private InboundMessage[] inbound;
    private int[] inboundPacketIds;
    private int inboundHead;
    private int inboundSize;
    private final ArrayDeque<PublishFuture> inflight;              // QoS 1 publishes awaiting PUBACK, in send order
    // Sized for the usual one or two waiters (they grow when more wait): at ArrayDeque's default of 16 each
    // they were 0.1 kB of every device of a fleet.
    private final ArrayDeque<PublishFuture> awaitingRoom = new ArrayDeque<>(2); // in the order they first asked
    private final ArrayDeque<SubscribeFuture> awaitingSuback = new ArrayDeque<>(2);
    private final List<LostFuture> lostWaiters = new ArrayList<>(); // one per waiting task: bounded by the task pool
    private final WakerSlot receiver = new WakerSlot();
    private final WakerSlot roomLine = new WakerSlot();
    private final WakerSlot lossLine = new WakerSlot();
    private final ReceiveFuture receive = new ReceiveFuture();
    // What waits are named in dumps and traces (the text is part of a trace's digest, so it stays put).
    private final Object roomToPublish = new Object() {
        @Override public String toString() { return "room to publish (send buffer or in-flight window) on " + wire.clientId(); }
    };
    private final Object lossWait = new Object() {
        @Override public String toString() {
            return wire.peerName() == null ? "the connection to be lost" : "the connection to " + wire.peerName() + " to be lost";
        }
    };
    private ConnectFuture connecting;
    private volatile boolean connected; // written on the loop; status printers read it from other threads
    private volatile String lastLossReason = "never connected"; // a fleet's report reads it from another thread
    private long connectedAtNanos = -1;
    private long lostAtNanos = -1;
    private long connections;
    private long inboundDropped;
    private long inboundRefused;
    private long roomWaits;

    /**
     * @param wire the driver's medium
     * @param name names the session in wakes and dumps ({@code "mqtt:dev-1"}); no identity hashes, so traces stay equal
     * @param maxInflight QoS 1 publishes awaiting PUBACK at once
     * @param inboundCapacity messages received and not yet taken by the firmware
     */
    public ClientSession(SessionWire wire, String name, int maxInflight, int inboundCapacity) {
        this.wire = Objects.requireNonNull(wire, "wire");
        this.name = Objects.requireNonNull(name, "name");
        if (maxInflight <= 0) throw new IllegalArgumentException("maxInflight must be > 0");
        if (inboundCapacity <= 0) throw new IllegalArgumentException("inboundCapacity must be > 0");
        this.maxInflight = maxInflight;
        this.inboundCapacity = inboundCapacity;
        this.inboundMax = inboundCapacity + QOS1_OVERFLOW_MAX;
        this.inbound = new InboundMessage[Math.min(INBOUND_RING_INITIAL, inboundMax)];
        this.inboundPacketIds = new int[inbound.length];
        this.inflight = new ArrayDeque<>(maxInflight);
        this.offLoop = wire.answersOffLoop();
    }

    // ---- Transport: what the firmware asks -----------------------------------------------------

    @Override
    public Future<Boolean> connect(ConnectOptions options) {
        return new ConnectFuture(Objects.requireNonNull(options, "options"));
    }

    @Override
    public Future<Boolean> publish(String topic, byte[] payload, int qos, boolean retained) {
        if (qos < 0 || qos > 1) throw new IllegalArgumentException("QoS must be 0 or 1");
        return new PublishFuture(Objects.requireNonNull(topic, "topic"), Objects.requireNonNull(payload, "payload"), qos, retained); // not copied: see Transport
    }

    @Override
    public Future<Boolean> subscribe(String filter, int qos) {
        return new SubscribeFuture(Objects.requireNonNull(filter, "filter"), qos);
    }

    /** The one receive future of this session (one receiving task at a time). */
    @Override
    public Future<InboundMessage> receive() {
        receive.taken = null;
        return receive;
    }

    @Override
    public Future<String> connectionLost() {
        LostFuture lost = new LostFuture();
        if (!connected) lost.finish(lastLossReason);
        return lost;
    }

    @Override
    public void disconnect() {
        if (!connected) return;
        wire.sendDisconnect();
        lost("disconnected");
    }

    @Override
    public boolean isConnected() {
        return connected;
    }

    /** The board lost power: what the session held in RAM is gone, and so is the connection. */
    public void powerCut() {
        while (inboundSize > 0) takeInbound();
        lost("power cut");
    }

    // ---- events from the driver (loop thread) --------------------------------------------------

    public void onConnack(boolean sessionPresent, long nowNanos) {
        connected = true;
        connectedAtNanos = nowNanos;
        connections++;
        if (connecting != null) {
            ConnectFuture waiting = connecting;
            connecting = null;
            waiting.finish(true);
        }
    }

    /** A message from the broker; {@code packetId} is what its PUBACK carries (ignored at QoS 0). */
    public void onMessage(InboundMessage message, int packetId, long nowNanos) {
        if (message.qos() == 0 && inboundSize >= inboundCapacity) {
            inboundDropped++;
            return;
        }
        if (inboundSize == inboundMax) {
            inboundRefused++; // not acknowledged: the broker sends it again on the next session
            return;
        }
        if (inboundSize == inbound.length) growInbound();
        int tail = (inboundHead + inboundSize) % inbound.length;
        inbound[tail] = message;
        inboundPacketIds[tail] = packetId;
        inboundSize++;
        receiver.wake(this);
    }

    /** Doubles the inbound ring, up to its bound, keeping the messages in order from index 0. */
    private void growInbound() {
        int capacity = Math.min(inbound.length * 2, inboundMax);
        assert capacity > inboundSize : "the inbound ring grows past its bound";
        InboundMessage[] nextMessages = new InboundMessage[capacity];
        int[] nextIds = new int[capacity];
        for (int i = 0; i < inboundSize; i++) {
            int from = (inboundHead + i) % inbound.length;
            nextMessages[i] = inbound[from];
            nextIds[i] = inboundPacketIds[from];
        }
        inbound = nextMessages;
        inboundPacketIds = nextIds;
        inboundHead = 0;
    }

    /** The PUBACK of the QoS 1 publish with this packet id; a stray one (an earlier connection's) is ignored. */
    public void onPuback(int packetId, long nowNanos) {
        for (PublishFuture waiting : inflight) {
            if (waiting.packetId == packetId) {
                acknowledged(waiting, nowNanos);
                return;
            }
        }
        onRoom(nowNanos);
    }

    private void acknowledged(PublishFuture publish, long nowNanos) {
        inflight.remove(publish);
        publish.finish(true);
        onRoom(nowNanos);
    }

    /** The SUBACK of the oldest subscribe awaiting one. */
    public void onSuback(boolean granted, long nowNanos) {
        SubscribeFuture subscribed = awaitingSuback.pollFirst();
        if (subscribed != null) subscribed.finish(granted);
    }

    /** The medium has room again (send buffer drained, the medium's window freed): the waiting publishes look again. */
    public void onRoom(long nowNanos) {
        PublishFuture first = awaitingRoom.peekFirst();
        if (first != null) first.waker.wake(this); // the first in line; it wakes the next once it has gone
    }

    /** The connection is gone (closed, broken, keepalive lapsed, or the connect failed); {@code reason} says which. */
    public void onClosed(String reason, long nowNanos) {
        lostAtNanos = nowNanos;
        lost(reason);
    }

    /** Ends what the connection carried; the time is the medium's to report ({@link #onClosed}), not known here. */
    private void lost(String reason) {
        boolean wasUp = connected || connecting != null;
        connected = false;
        lastLossReason = reason;
        if (connecting != null) {
            ConnectFuture waiting = connecting;
            connecting = null;
            waiting.finish(false);
        }
        while (!inflight.isEmpty()) {
            PublishFuture unacked = inflight.pollFirst();
            if (unacked.answered) wire.answerTaken(unacked.answerStamp);
            unacked.finish(unacked.answered); // a PUBACK that came before the loss still counts
        }
        while (!awaitingSuback.isEmpty()) awaitingSuback.pollFirst().finish(false);
        onRoom(lostAtNanos); // the first waiting publish finds the connection gone, and passes the word on
        if (wasUp) {
            for (LostFuture waiter : lostWaiters) waiter.finish(reason);
            lostWaiters.clear();
            lossLine.clear(); // the loss it was rung for is consumed
        }
    }

    void drain(Context cx) {
        if (offLoop) wire.drain(this, cx.nowNanos());
    }

    /**
     * After a waker was registered: an answer queued on another thread between this poll's drain and
     * the registration rang nobody, so the task looks again.
     */
    void lookAgainIfQueued(WakerSlot registered) {
        if (offLoop && wire.hasQueued()) registered.wake(this);
    }

    private InboundMessage takeInbound() {
        InboundMessage message = inbound[inboundHead];
        inbound[inboundHead] = null;
        inboundHead = (inboundHead + 1) % inbound.length;
        inboundSize--;
        return message;
    }

    // ---- interrupt lines: safe from any thread, for drivers whose medium answers elsewhere ------

    /** Wakes the receiving task (a message was queued for the loop). */
    public void interruptReceiver() { interrupt(receiver); }
    /** Wakes the first publish waiting for room (the medium's window freed on another thread). */
    public void interruptRoom() { interrupt(roomLine); }
    /** Wakes the task that waits for the connection to be lost (a loss or a keepalive check is queued). */
    public void interruptLoss() { interrupt(lossLine); }

    /** The one place a wake crosses from another thread to the loop: the executor's interrupt path. */
    void interrupt(WakerSlot line) {
        line.interrupt();
    }

    // ---- books ---------------------------------------------------------------------------------

    /** QoS 1 publishes awaiting their PUBACK. */
    public int inflight() { return inflight.size(); }
    public int inboundQueued() { return inboundSize; }
    /** Inbound QoS 0 messages dropped because the firmware had not taken the earlier ones. */
    public long inboundDropped() { return inboundDropped; }
    /** Inbound QoS 1 messages refused (not acknowledged, so sent again later) because even the overflow room was full. */
    public long inboundRefused() { return inboundRefused; }
    /** Connections that reached CONNACK. */
    public long connections() { return connections; }
    /** Times a publish had to wait for room (window full, line ahead, or the wire said no room). */
    public long roomWaits() { return roomWaits; }
    public String lastLossReason() { return lastLossReason; }
    /** The loop time of the last CONNACK, or -1. */
    public long connectedAtNanos() { return connectedAtNanos; }
    /** The loop time at which the medium last reported a loss ({@link #onClosed}), or -1. */
    public long lostAtNanos() { return lostAtNanos; }

    @Override
    public String wakeSourceName() {
        return name;
    }

    @Override
    public String toString() {
        return "messages for " + name;
    }

    // ---- the futures ---------------------------------------------------------------------------

    private final class ConnectFuture extends SessionOp<Boolean> {
        private final ConnectOptions options;
        private boolean started;

        ConnectFuture(ConnectOptions options) {
            super(ClientSession.this);
            this.options = options;
        }

        @Override
        Poll step(Context cx) {
            if (!started) {
                started = true;
                if (connected || !wire.open(options, this)) {
                    finish(connected);
                    return Poll.READY;
                }
                connecting = this;
            }
            return waitFor(cx, this);
        }

        /** Given up (a connect deadline): the half-open connection is dropped, so the next attempt starts afresh. */
        @Override
        public void cancel() {
            if (connecting == this) {
                connecting = null;
                lastLossReason = "connect abandoned (no CONNACK before the deadline)";
                wire.abandon();
            }
            super.cancel();
        }

        @Override
        public String toString() {
            return "CONNACK from " + (wire.peerName() == null ? "the broker" : wire.peerName());
        }
    }

    private final class PublishFuture extends SessionOp<Boolean> {
        private final String topic;
        private final byte[] payload;
        private final int qos;
        private final boolean retained;
        int packetId = -1;
        private boolean inLine;

        PublishFuture(String topic, byte[] payload, int qos, boolean retained) {
            super(ClientSession.this);
            this.topic = topic;
            this.payload = payload;
            this.qos = qos;
            this.retained = retained;
        }

        @Override
        Poll step(Context cx) {
            if (packetId > 0) return awaitPuback(cx);
            if (!connected) {
                leaveLine();
                finish(false);
                return Poll.READY;
            }
            if (inLine ? awaitingRoom.peekFirst() != this : !awaitingRoom.isEmpty()) return waitForRoom(cx);
            if (qos == 1 && inflight.size() >= maxInflight) return waitForRoom(cx);
            int id = wire.publish(topic, payload, qos, retained, this);
            if (id == SessionWire.NO_ROOM) return waitForRoom(cx);
            leaveLine();
            if (id == SessionWire.FAILED) {
                finish(false);
                return Poll.READY;
            }
            if (qos == 0) {
                finish(true);
                return Poll.READY;
            }
            packetId = id;
            inflight.addLast(this);
            return awaitPuback(cx);
        }

        /** QoS 1: waits for the PUBACK, which comes as {@link #onPuback} or, from another thread, as {@link #answer(long)}. */
        private Poll awaitPuback(Context cx) {
            if (answered) {
                wire.answerTaken(answerStamp);
                acknowledged(this, cx.nowNanos());
                return Poll.READY;
            }
            Poll pending = waitFor(cx, this);
            if (answered) waker.wake(session); // answered while the waker was registered: look again
            return pending;
        }

        private Poll waitForRoom(Context cx) {
            if (!inLine) {
                inLine = true;
                roomWaits++;
                awaitingRoom.addLast(this);
            }
            Poll pending = waitFor(cx, roomToPublish);
            if (offLoop && awaitingRoom.peekFirst() == this) {
                roomLine.register(cx);
                // Room that appeared on another thread before the registration would otherwise go unheard.
                if (wire.hasRoom() && (qos == 0 || inflight.size() < maxInflight)) waker.wake(session);
            }
            return pending;
        }

        /** Leaves the line of publishes waiting for room; the next in line gets its turn. */
        private void leaveLine() {
            if (!inLine) return;
            boolean wasFirst = awaitingRoom.peekFirst() == this;
            awaitingRoom.remove(this);
            inLine = false;
            PublishFuture next = awaitingRoom.peekFirst();
            if (wasFirst && next != null) next.waker.wake(session);
        }

        @Override
        public void cancel() {
            if (packetId > 0) inflight.remove(this);
            leaveLine();
            super.cancel();
        }

        @Override
        public String toString() {
            return packetId > 0 ? "PUBACK " + packetId + " for " + topic : "room to publish on " + topic;
        }
    }

    private final class SubscribeFuture extends SessionOp<Boolean> {
        private final String filter;
        private final int qos;
        private boolean sent;

        SubscribeFuture(String filter, int qos) {
            super(ClientSession.this);
            this.filter = filter;
            this.qos = qos;
        }

        @Override
        Poll step(Context cx) {
            if (!sent) {
                if (!connected || !wire.subscribe(filter, qos, this)) {
                    finish(false);
                    return Poll.READY;
                }
                sent = true;
                awaitingSuback.addLast(this);
            }
            return waitFor(cx, this);
        }

        @Override
        public String toString() {
            return "SUBACK for " + filter;
        }
    }

    private final class LostFuture extends SessionOp<String> {
        private final long ofConnection = connections; // a loss before the first poll still ends this wait

        LostFuture() {
            super(ClientSession.this);
        }

        @Override
        Poll step(Context cx) {
            if (!connected || connections != ofConnection) {
                finish(lastLossReason);
                return Poll.READY;
            }
            if (!lostWaiters.contains(this)) lostWaiters.add(this);
            wire.keepaliveTurn(cx.nowNanos()); // a loop that does not run takes no keepalive turn
            if (done) return Poll.READY;       // the check found the connection gone
            if (offLoop) lossLine.register(cx);
            return waitFor(cx, lossWait);
        }

        @Override
        public void cancel() {
            lostWaiters.remove(this);
            super.cancel();
        }
    }

    /** The one receive future: takes the next inbound message and acknowledges it if QoS 1. */
    private final class ReceiveFuture implements Future<InboundMessage> {
        InboundMessage taken;

        @Override
        public Poll poll(Context cx) {
            drain(cx);
            if (inboundSize == 0) {
                receiver.register(cx);
                cx.waitingOn(wire); // the driver names its medium's messages
                lookAgainIfQueued(receiver);
                return Poll.PENDING;
            }
            int packetId = inboundPacketIds[inboundHead];
            taken = takeInbound();
            if (taken.qos() == 1 && connected) wire.acknowledge(packetId);
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
}
