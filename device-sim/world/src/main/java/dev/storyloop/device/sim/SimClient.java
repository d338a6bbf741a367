package dev.storyloop.device.sim;

import dev.storyloop.device.time.Timer;

import java.util.ArrayDeque;
import java.util.Objects;

/**
 * A client of the simulated broker, at the level of MQTT packets: what a device's transport or the
 * gateway's MQTT shell uses in the simulated world.
 *
 * <p>Every packet crosses the client's uplink or downlink, with the link's delays; a write the
 * uplink's send buffer cannot take is refused (false), which is the backpressure a real socket
 * gives. A PUBACK the buffer cannot take waits in order (as an acknowledgement waits in a real
 * client's outgoing queue) and goes first when there is room; until it has gone, publishing is
 * refused. Like Paho, it sends PINGREQ when it has sent nothing, or heard nothing, for a keepalive
 * interval (a device that publishes and hears its PUBACKs more often than that never pings), and
 * gives the connection up when a PINGREQ went unanswered for another interval.
 *
 * <p>It is the far end of its connection's downlink: the broker's packets arrive in
 * {@link #receive}, one switch over the packet types, and reach the {@link ClientListener}.
 *
 * <p>A device's client runs on the device's CPU ({@link #runsOn}): while a poll of the device spends
 * CPU time, the client takes nothing from its downlink ({@link #freeAtNanos}: the packets wait on the
 * link), sends no PINGREQ and hears of neither room in its send buffer nor a closed connection; all
 * of it happens when the CPU is free, at the world's time then.
 */
public final class SimClient implements Link.End {
    private final SimWorld world;
    private final String clientId;
    private final ClientListener listener;
    private final boolean autoAck;
    private SimNetwork.Connection connection;
    private int lastPacketId;
    private long keepAliveNanos;
    private long lastSentNanos;   // the last packet this connection's uplink took
    private long lastHeardNanos;  // the last packet that arrived from the broker
    private long pingSentNanos = -1; // the PINGREQ waiting for its PINGRESP, or -1
    private Runnable writable;
    private int cpu = -1;              // the CPU of the device this client runs on; -1: none of its own (the gateway's)
    private boolean drainDeferred;     // room in the send buffer came while the CPU was busy: told when it is free
    // PUBACKs waiting for room in the send buffer, oldest first; at most one per packet id (65,535)
    private final ArrayDeque<Integer> pendingAcks = new ArrayDeque<>();
    static final int PENDING_ACKS_MAX = 65_535;
    private final Timer keepAlive = new Timer() {
        @Override
        protected void onFire(long nowNanos) {
            keepAliveDue(nowNanos);
        }
    };

    SimClient(SimWorld world, String clientId, ClientListener listener, boolean autoAck) {
        this.world = world;
        this.clientId = Objects.requireNonNull(clientId, "clientId");
        this.listener = Objects.requireNonNull(listener, "listener");
        this.autoAck = autoAck;
    }

    public String clientId() {
        return clientId;
    }

    /** Called when the uplink's send buffer gained room (a refused write may be tried again). */
    public void onWritable(Runnable listener) {
        this.writable = listener;
    }

    /** This client runs on the CPU of the device with index {@code cpu} in the world's scheduler. */
    void runsOn(int cpu) {
        if (cpu < 0) throw new IllegalArgumentException("cpu < 0: " + cpu);
        this.cpu = cpu;
    }

    /** When the device this client runs on is free to take a packet; {@link Long#MIN_VALUE} for a client with no CPU of its own. */
    @Override
    public long freeAtNanos() {
        return cpu < 0 ? Long.MIN_VALUE : world.cpuFreeNanos(cpu);
    }

    private void drained() {
        long free = freeAtNanos();
        if (free > world.nowNanos()) {
            if (!drainDeferred) {
                drainDeferred = true;
                world.at(free, () -> {
                    drainDeferred = false;
                    drained();
                });
            }
            return;
        }
        flushAcks();
        if (writable != null && pendingAcks.isEmpty()) writable.run();
    }

    private void flushAcks() {
        while (connection != null && !pendingAcks.isEmpty() && offerPuback(pendingAcks.peekFirst())) pendingAcks.pollFirst();
    }

    /** Opens a new connection and sends CONNECT; false when the previous connection is still open. */
    public boolean connect(boolean cleanSession, int keepAliveSeconds, Message will) {
        if (isConnected()) return false;
        long now = world.nowNanos();
        connection = world.network().open(this);
        pendingAcks.clear(); // they belonged to the previous connection; the session resends their messages
        connection.up.onDrain(this::drained);
        keepAliveNanos = keepAliveSeconds * 1_000_000_000L;
        lastHeardNanos = now;
        pingSentNanos = -1;
        send(Packet.Type.CONNECT, keepAliveSeconds << 1 | (cleanSession ? 1 : 0), will, Packet.connectBytes(clientId, will));
        if (keepAliveNanos > 0) world.events().arm(keepAlive, now + keepAliveNanos);
        return true;
    }

    /** Sends PUBLISH; returns its packet id (0 for QoS 0), or -1 when not connected or the send buffer is full. */
    public int publish(Message message) {
        if (!isConnected()) return -1;
        flushAcks();
        if (!pendingAcks.isEmpty()) return -1; // acknowledgements go first
        int packetId = message.qos() == 0 ? 0 : nextPacketId();
        boolean sent = send(Packet.Type.PUBLISH, packetId, message, Packet.publishBytes(message));
        return sent ? packetId : -1;
    }

    public boolean subscribe(String filter, int qos) {
        if (!isConnected()) return false;
        return send(Packet.Type.SUBSCRIBE, qos, filter, 7 + filter.length());
    }

    /** Sends PUBACK, now or (when the send buffer is full) as soon as there is room; false when not connected. */
    public boolean puback(int packetId) {
        if (!isConnected()) return false;
        if (pendingAcks.isEmpty() && offerPuback(packetId)) return true;
        if (pendingAcks.size() == PENDING_ACKS_MAX) throw new IllegalStateException("more PUBACKs pending than packet ids: " + clientId);
        pendingAcks.addLast(packetId);
        return true;
    }

    private boolean offerPuback(int packetId) {
        return send(Packet.Type.PUBACK, packetId, null, 4);
    }

    /** Offers a packet to the current connection's uplink; true when its send buffer took it. */
    private boolean send(Packet.Type type, int arg, Object ref, int bytes) {
        long now = world.nowNanos();
        if (!connection.up.offer(now, type, arg, ref, bytes)) return false;
        lastSentNanos = now;
        return true;
    }

    /** PUBACKs waiting for room in the send buffer. */
    public int pendingAcks() {
        return pendingAcks.size();
    }

    /** Sends DISCONNECT (the will is discarded) and closes the connection once it is through. */
    public void disconnect() {
        if (!isConnected()) return;
        SimNetwork.Connection closing = connection;
        closing.disconnectSent = true;
        closing.up.offer(world.nowNanos(), Packet.Type.DISCONNECT, 0, null, 2);
        world.events().cancel(keepAlive);
        connection = null;
    }

    /** The device loses power or its socket dies: no DISCONNECT, the broker sees the socket close and sends the will. */
    public void kill() {
        if (connection == null) return;
        SimNetwork.Connection dying = connection;
        connection = null;
        world.events().cancel(keepAlive);
        world.network().abort(dying);
    }

    /**
     * The device loses power: the socket dies with the board, with no DISCONNECT and no FIN, so the
     * broker hears nothing more and notices only when the keepalive lapses (publishing the will, if any).
     */
    public void vanish() {
        if (connection == null) return;
        SimNetwork.Connection gone = connection;
        connection = null;
        pendingAcks.clear();
        world.events().cancel(keepAlive);
        world.network().vanish(gone);
    }

    public boolean isConnected() {
        return connection != null && connection.up.isOpen();
    }

    /** Bytes the uplink's send buffer can still take. */
    public int uplinkFreeBytes() {
        return connection == null ? 0 : connection.up.freeBufferBytes();
    }

    SimNetwork.Connection connection() {
        return connection;
    }

    // ---- from the world ----

    /** A packet from the broker arrived on the downlink (given flat: see {@link Packet}). */
    @Override
    public void receive(Packet.Type type, int arg, Object ref, long now) {
        lastHeardNanos = now;
        switch (type) {
            case CONNACK:
                listener.onConnack(arg != 0, now);
                break;
            case PUBLISH: {
                Message message = (Message) ref;
                int packetId = Packet.publishId(arg);
                listener.onMessage(message, packetId, Packet.publishDuplicate(arg), now);
                if (autoAck && message.qos() == 1) puback(packetId);
                break;
            }
            case PUBACK:
                listener.onPuback(arg, now);
                break;
            case SUBACK:
                listener.onSuback(arg, now);
                break;
            case PINGRESP:
                pingSentNanos = -1;
                break;
            default:
                throw new IllegalStateException(type + " on the downlink of " + clientId + ": only a client sends it");
        }
    }

    void closed(SimNetwork.Connection which, String reason, long now) {
        if (which != connection) return; // an older connection
        long free = freeAtNanos();
        if (free > now) { // the device's CPU is busy: it reads the FIN when it is free
            world.at(free, () -> closed(which, reason, world.nowNanos()));
            return;
        }
        connection = null;
        world.events().cancel(keepAlive);
        listener.onClosed(reason, now);
    }

    private void keepAliveDue(long now) {
        if (connection == null) return;
        long free = freeAtNanos();
        if (free > now) { // the keepalive runs on the device's CPU, which is busy: no PINGREQ before it is free
            world.events().arm(keepAlive, free);
            return;
        }
        if (pingSentNanos >= 0 && lastHeardNanos >= pingSentNanos) pingSentNanos = -1; // heard from since: alive
        // A connection the other side closed unseen (behind a partition) looks alive until the ping goes unanswered.
        if (!connection.up.isOpen() || (pingSentNanos >= 0 && now - pingSentNanos >= keepAliveNanos)) {
            SimNetwork.Connection dead = connection;
            connection = null;
            world.network().abort(dead);
            listener.onClosed("no PINGRESP within the keepalive", now);
            return;
        }
        long next;
        if (pingSentNanos < 0 && (now - lastSentNanos >= keepAliveNanos || now - lastHeardNanos >= keepAliveNanos)) {
            if (send(Packet.Type.PINGREQ, 0, null, 2)) pingSentNanos = now;
            next = now + keepAliveNanos; // the answer's deadline; or, when the send buffer was full, the next try
        } else if (pingSentNanos >= 0) {
            next = pingSentNanos + keepAliveNanos;
        } else {
            next = Math.min(lastSentNanos, lastHeardNanos) + keepAliveNanos;
        }
        world.events().arm(keepAlive, next);
    }

    private int nextPacketId() {
        lastPacketId = lastPacketId == 65_535 ? 1 : lastPacketId + 1;
        return lastPacketId;
    }
}
