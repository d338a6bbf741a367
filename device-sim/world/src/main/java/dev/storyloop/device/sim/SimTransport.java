package dev.storyloop.device.sim;

import dev.storyloop.device.exec.Context;
import dev.storyloop.device.exec.Future;
import dev.storyloop.device.exec.Poll;
import dev.storyloop.device.exec.WakeSource;
import dev.storyloop.device.exec.WakerSlot;
import dev.storyloop.device.net.ConnectOptions;
import dev.storyloop.device.net.InboundMessage;
import dev.storyloop.device.net.Transport;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Objects;

/**
 * The device's {@link Transport} in the simulated world: a {@link SimClient} whose callbacks wake
 * the device's tasks, exactly as Paho's callbacks will in the live world.
 *
 * <p>Bounded like a real client: at most {@code maxInflight} QoS 1 publishes unacknowledged (Paho's
 * default is 10; beyond it Paho says "too many publishes in progress", here the publish simply
 * waits), and at most {@code inboundCapacity} received QoS 0 messages not yet taken by the
 * firmware (beyond it they are dropped and counted). Received QoS 1 messages are acknowledged
 * only when the firmware takes them, so the broker's in-flight window (Mosquitto's
 * {@code max_inflight_messages}) bounds how many can wait here, and none is ever dropped.
 */
public final class SimTransport implements Transport, ClientListener, WakeSource {
    public static final int MAX_INFLIGHT_DEFAULT = 10;
    public static final int INBOUND_CAPACITY_DEFAULT = 32;

    private final SimClient client;
    private final int maxInflight;
    private final int inboundCapacity;
    private final ArrayDeque<InboundMessage> inbound;
    private final ArrayDeque<Integer> inboundPacketIds;
    private final HashMap<Integer, PublishFuture> awaitingAck = new HashMap<>(); // looked up, never iterated in order
    private final ArrayDeque<PublishFuture> awaitingRoom = new ArrayDeque<>();
    private final ArrayDeque<SubscribeFuture> awaitingSuback = new ArrayDeque<>();
    private final WakerSlot receiver = new WakerSlot();
    private final ReceiveFuture receive = new ReceiveFuture();
    private final List<LostFuture> lostWaiters = new ArrayList<>();
    private final Object roomToPublish = new Object() {
        @Override public String toString() { return "room to publish (send buffer or in-flight window) on " + client.clientId(); }
    };
    private ConnectFuture connecting;
    private boolean connected;
    private long connection;      // numbers the connections, so a future knows which one it belongs to
    private String lastLossReason = "never connected";
    private long inboundDropped;

    public SimTransport(SimWorld world, String clientId) {
        this(world, clientId, MAX_INFLIGHT_DEFAULT, INBOUND_CAPACITY_DEFAULT);
    }

    public SimTransport(SimWorld world, String clientId, int maxInflight, int inboundCapacity) {
        if (maxInflight <= 0) throw new IllegalArgumentException("maxInflight must be > 0");
        if (inboundCapacity <= 0) throw new IllegalArgumentException("inboundCapacity must be > 0");
        this.client = world.client(clientId, this, false);
        this.maxInflight = maxInflight;
        this.inboundCapacity = inboundCapacity;
        this.inbound = new ArrayDeque<>(inboundCapacity);
        this.inboundPacketIds = new ArrayDeque<>(inboundCapacity);
        client.onWritable(this::wakeRoomWaiters);
    }

    @Override
    public Future<Boolean> connect(ConnectOptions options) {
        return new ConnectFuture(Objects.requireNonNull(options, "options"));
    }

    @Override
    public Future<Boolean> publish(String topic, byte[] payload, int qos, boolean retained) {
        return new PublishFuture(new Message(topic, payload.clone(), qos, retained));
    }

    @Override
    public Future<Boolean> subscribe(String filter, int qos) {
        return new SubscribeFuture(filter, qos);
    }

    /** The one receive future of this transport (one receiving task at a time). */
    @Override
    public Future<InboundMessage> receive() {
        receive.taken = null;
        return receive;
    }

    @Override
    public Future<String> connectionLost() {
        return new LostFuture(connected ? connection : -1);
    }

    @Override
    public void disconnect() {
        if (!connected) return;
        client.disconnect();
        lost("disconnected");
    }

    /**
     * The board lost power: the connection vanishes without DISCONNECT or FIN ({@link SimClient#vanish()}),
     * and what the transport held in RAM is gone. The firmware's tasks were stopped first.
     */
    public void powerCut() {
        client.vanish();
        inbound.clear();
        inboundPacketIds.clear();
        lost("power cut");
    }

    @Override
    public boolean isConnected() {
        return connected;
    }

    public int inflight() { return awaitingAck.size(); }
    public int inboundQueued() { return inbound.size(); }
    /** Inbound QoS 0 messages dropped because the firmware had not taken the earlier ones. */
    public long inboundDropped() { return inboundDropped; }
    public SimClient client() { return client; }

    @Override
    public String wakeSourceName() {
        return "mqtt:" + client.clientId();
    }

    // ---- from the simulated client (the world's thread is the device's loop thread) ----------

    @Override
    public void onConnack(boolean sessionPresent, long now) {
        connected = true;
        if (connecting != null) {
            connecting.finish(true);
            connecting = null;
        }
    }

    @Override
    public void onMessage(Message message, int packetId, boolean duplicate, long now) {
        if (message.qos() == 0 && inbound.size() >= inboundCapacity) {
            inboundDropped++;
            return;
        }
        inbound.addLast(new InboundMessage(message.topic(), message.payload(), message.qos(), message.retain(), duplicate));
        inboundPacketIds.addLast(packetId);
        receiver.wake(this);
    }

    @Override
    public void onPuback(int packetId, long now) {
        PublishFuture acked = awaitingAck.remove(packetId);
        if (acked != null) acked.finish(true);
        wakeRoomWaiters();
    }

    @Override
    public void onSuback(int grantedQos, long now) {
        SubscribeFuture subscribed = awaitingSuback.pollFirst();
        if (subscribed != null) subscribed.finish(grantedQos <= 1);
    }

    @Override
    public void onClosed(String reason, long now) {
        lost(reason);
    }

    private void lost(String reason) {
        boolean wasUp = connected || connecting != null;
        connected = false;
        lastLossReason = reason;
        if (connecting != null) {
            connecting.finish(false);
            connecting = null;
        }
        for (PublishFuture unacked : new ArrayList<>(awaitingAck.values())) unacked.finish(false);
        awaitingAck.clear();
        while (!awaitingSuback.isEmpty()) awaitingSuback.pollFirst().finish(false);
        wakeRoomWaiters();
        if (wasUp) {
            for (LostFuture waiter : lostWaiters) waiter.finish(reason);
            lostWaiters.clear();
        }
    }

    private void wakeRoomWaiters() {
        while (!awaitingRoom.isEmpty()) {
            PublishFuture waiting = awaitingRoom.pollFirst();
            waiting.queuedForRoom = false;
            waiting.waker.wake(this); // it looks again when polled, and queues up again if still no room
        }
    }

    // ---- futures ------------------------------------------------------------------------------

    /** Shared shape: a result set from outside and a waker to call when it is. */
    private abstract class Pending<T> implements Future<T> {
        final WakerSlot waker = new WakerSlot();
        boolean done;
        T result;

        void finish(T value) {
            if (done) return;
            done = true;
            result = value;
            waker.wake(SimTransport.this);
        }

        Poll waitFor(Context cx, Object what) {
            waker.register(cx);
            cx.waitingOn(what);
            return Poll.PENDING;
        }

        @Override
        public T output() {
            return result;
        }

        @Override
        public void cancel() {
            waker.clear();
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
            if (done) return Poll.READY;
            if (!started) {
                started = true;
                Message will = options.hasWill()
                        ? new Message(options.willTopic(), options.willPayload().clone(), options.willQos(), options.willRetained())
                        : null;
                if (connected || !client.connect(options.cleanSession(), options.keepAliveSeconds(), will)) {
                    finish(connected);
                    return Poll.READY;
                }
                connection++;
                connecting = this;
            }
            return waitFor(cx, this);
        }

        /** Given up (a connect deadline): the half-open connection is dropped, so the next attempt starts afresh. */
        @Override
        public void cancel() {
            if (connecting == this) {
                connecting = null;
                client.kill();
            }
            super.cancel();
        }

        @Override
        public String toString() {
            return "CONNACK from the broker";
        }
    }

    private final class PublishFuture extends Pending<Boolean> {
        private final Message message;
        private int packetId = -1;
        boolean queuedForRoom;

        PublishFuture(Message message) {
            this.message = message;
        }

        @Override
        public Poll poll(Context cx) {
            if (done) return Poll.READY;
            if (packetId > 0) return waitFor(cx, this); // QoS 1, waiting for its PUBACK
            if (!connected) {
                finish(false);
                return Poll.READY;
            }
            if (message.qos() == 1 && awaitingAck.size() >= maxInflight) return waitForRoom(cx);
            int id = client.publish(message);
            if (id < 0) return waitForRoom(cx); // the send buffer is full
            if (message.qos() == 0) {
                finish(true);
                return Poll.READY;
            }
            packetId = id;
            awaitingAck.put(id, this);
            return waitFor(cx, this);
        }

        private Poll waitForRoom(Context cx) {
            if (!queuedForRoom) {
                queuedForRoom = true;
                awaitingRoom.addLast(this);
            }
            return waitFor(cx, roomToPublish);
        }

        @Override
        public void cancel() {
            if (packetId > 0) awaitingAck.remove(packetId, this);
            if (queuedForRoom) awaitingRoom.remove(this);
            super.cancel();
        }

        @Override
        public String toString() {
            return "PUBACK " + packetId + " for " + message.topic();
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
            if (done) return Poll.READY;
            if (!sent) {
                if (!connected || !client.subscribe(filter, qos)) {
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

    private final class ReceiveFuture implements Future<InboundMessage> {
        InboundMessage taken;

        @Override
        public Poll poll(Context cx) {
            if (inbound.isEmpty()) {
                receiver.register(cx);
                cx.waitingOn(SimTransport.this);
                return Poll.PENDING;
            }
            taken = inbound.pollFirst();
            int packetId = inboundPacketIds.pollFirst();
            if (taken.qos() == 1) client.puback(packetId);
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
        LostFuture(long ofConnection) {
            if (ofConnection < 0) {
                done = true;
                result = lastLossReason;
            }
        }

        @Override
        public Poll poll(Context cx) {
            if (done) return Poll.READY;
            if (!lostWaiters.contains(this)) lostWaiters.add(this);
            return waitFor(cx, "the connection to be lost");
        }

        @Override
        public void cancel() {
            lostWaiters.remove(this);
            super.cancel();
        }
    }

    @Override
    public String toString() {
        return "messages from the broker for " + client.clientId();
    }
}
