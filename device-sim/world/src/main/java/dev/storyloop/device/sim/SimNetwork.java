package dev.storyloop.device.sim;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.TreeMap;

/**
 * The simulated world's network: every client's TCP connection to the broker (an uplink and a
 * downlink), the faults that act on them (partitions, loss, latency, bandwidth, a dying socket),
 * and the broker's side of each socket.
 *
 * <p>Packets from a client reach the broker when its uplink delivers them; after each input the
 * network drains the broker's {@link Outbox} onto the downlinks. The broker never calls the network,
 * so nothing here is entered twice: a CONNECT that takes over a session is answered by a close the
 * network can recognise (see {@link #drainBroker}), not guarded against while it runs.
 */
final class SimNetwork {
    /** What Mosquitto will hold for one client before this model counts copies as dropped. */
    static final int BROKER_OUTGOING_BUFFER_BYTES = 16 * 1024 * 1024;

    private final SimScheduler scheduler;
    private final SplittableRandom random;
    private final SimBroker broker;
    private final WorldBooks books;
    private LinkProfile defaultProfile;
    private final TreeMap<String, LinkProfile> profiles = new TreeMap<>();
    private final Connections connections = new Connections();
    /** Per client, until when its uplink and downlink are cut (a partition outlives a reconnect). */
    private final TreeMap<String, long[]> cutOff = new TreeMap<>();

    /** One TCP connection of one client: an uplink, whose far end is the broker's socket, and a downlink. */
    final class Connection extends SimBroker.Port implements Link.End {
        final SimClient client;
        final Link up;
        final Link down;
        boolean disconnectSent; // DISCONNECT is on the uplink: the client is done with this connection
        boolean retired;        // its links are closed and its packets counted into the world's books
        boolean current;        // it is the one {@link #connections} holds for its client id

        Connection(SimClient client, LinkProfile profile) {
            this.client = client;
            this.up = new Link(client.clientId() + ".up", profile, random, scheduler.events(), this);
            this.down = new Link(client.clientId() + ".down", downlink(profile), random, scheduler.events(), client);
        }

        /** A packet from the client reached the broker's socket. */
        @Override
        public void receive(Packet.Type type, int arg, Object ref, long now) {
            fromClient(this, type, arg, ref, now);
        }
    }

    SimNetwork(SimScheduler scheduler, SplittableRandom random, SimBroker broker, WorldBooks books, LinkProfile defaultProfile) {
        this.scheduler = scheduler;
        this.random = random;
        this.broker = broker;
        this.books = books;
        this.defaultProfile = Objects.requireNonNull(defaultProfile, "defaultProfile");
    }

    void profile(String clientId, LinkProfile profile) {
        profiles.put(clientId, Objects.requireNonNull(profile, "profile"));
    }

    Collection<Connection> connections() {
        return connections.values();
    }

    // ---- the broker's side of the sockets -------------------------------------------------------

    private void fromClient(Connection connection, Packet.Type type, int arg, Object ref, long now) {
        String clientId = connection.client.clientId();
        boolean accepted = broker.receive(now, connection, clientId, type, arg, ref);
        drainBroker(now);
        if (type == Packet.Type.CONNECT && !accepted && connections.get(clientId) == connection) {
            // Nothing listens while the broker is down: the connection is refused, as a TCP reset says at once.
            connections.remove(clientId);
            retire(connection);
            tellClosed(connection, "connection refused (broker down)", now);
        } else if (type == Packet.Type.DISCONNECT) {
            close(connection);
        }
    }

    /** The broker's keepalive walk (armed by the world when it goes idle). */
    void brokerTick(long now) {
        broker.tick(now);
        drainBroker(now);
    }

    /**
     * Puts what the broker wrote onto the downlinks, in the order it wrote it, then empties its outbox.
     *
     * <p>A close for a takeover is skipped: the CONNECT that took the session over always arrives on
     * the client's current connection (opening a connection retires the previous one, whose packets
     * die with it), so the connection the broker closes was retired when that CONNECT was sent.
     */
    void drainBroker(long now) {
        Outbox out = broker.outbox();
        for (int i = 0; i < out.size(); i++) {
            String clientId = out.client(i);
            Packet.Type type = out.type(i);
            int arg = out.arg(i);
            Object ref = out.ref(i);
            if (type == Packet.Type.CLOSE) {
                if (arg == 0) closedByBroker(clientId, (String) ref, now);
                continue;
            }
            Connection c = out.port(i) instanceof Connection port && port.current ? port : connections.get(clientId);
            if (c != null && !c.down.isOpen()) c = null;
            boolean written = c != null && c.down.offer(now, type, arg, ref, Packet.wireBytes(type, ref));
            if (!written && type == Packet.Type.PUBLISH) broker.publishRefused(clientId, Packet.publishId(arg));
        }
        out.clear();
    }

    private void closedByBroker(String clientId, String reason, long now) {
        Connection c = connections.get(clientId);
        if (c == null) return;
        connections.remove(clientId);
        retire(c);
        tellClosed(c, reason, now);
    }

    // ---- connections ------------------------------------------------------------------------

    /** Towards a client, Mosquitto queues what the socket cannot take yet in its own memory: the downlink's buffer stands for both. */
    private static LinkProfile downlink(LinkProfile profile) {
        return profile.withBandwidth(profile.bytesPerSecond(), Math.max(profile.sendBufferBytes(), BROKER_OUTGOING_BUFFER_BYTES));
    }

    Connection open(SimClient client) {
        Connection connection = new Connection(client, profiles.getOrDefault(client.clientId(), defaultProfile));
        cutOff(connection);
        Connection previous = connections.put(client.clientId(), connection);
        if (previous != null) {
            // The old connection's DISCONNECT left before this CONNECT; the broker takes it first, so a
            // clean goodbye stays clean (no will) and the new CONNECT is not a session takeover.
            if (previous.disconnectSent) {
                broker.disconnect(scheduler.nowNanos(), client.clientId());
                drainBroker(scheduler.nowNanos());
            }
            retire(previous);
        }
        return connection;
    }

    /** A clean close after DISCONNECT went through. */
    void close(Connection connection) {
        if (connections.get(connection.client.clientId()) == connection) connections.remove(connection.client.clientId());
        retire(connection);
    }

    /** The client's side died: the broker notices the socket close after the uplink's delay. */
    void abort(Connection connection) {
        long now = scheduler.nowNanos();
        close(connection);
        String clientId = connection.client.clientId();
        long noticed = now + defaultProfile.latency().sampleNanos(random);
        scheduler.at(noticed, () -> {
            // Only if the broker still sees this connection (a newer one may have taken over).
            if (connections.containsKey(clientId)) return;
            broker.connectionLost(scheduler.nowNanos(), clientId);
            drainBroker(scheduler.nowNanos());
        });
    }

    /**
     * The client's side vanished without a word (power cut): nothing more crosses either link, and
     * what was on the wire dies with the socket; the broker keeps the connection until its keepalive
     * check closes it (or a new connection from the same client takes it over).
     */
    void vanish(Connection connection) {
        connection.up.partitionUntil(Long.MAX_VALUE);
        connection.down.partitionUntil(Long.MAX_VALUE);
    }

    private void retire(Connection connection) {
        if (connection.retired) return; // counted once, however many paths close it
        connection.retired = true;
        connection.up.close();
        connection.down.close();
        books.fold(connection.up, connection.down);
    }

    /**
     * The client learns its connection closed when the FIN or RST reaches it; across a partitioned
     * downlink nothing reaches it, and it has to find out through its own keepalive.
     */
    private void tellClosed(Connection connection, String reason, long now) {
        if (connection.down.isPartitioned(now)) return;
        scheduler.at(now + defaultProfile.latency().sampleNanos(random),
                () -> connection.client.closed(connection, reason, scheduler.nowNanos()));
    }

    // ---- faults -----------------------------------------------------------------------------

    /** See {@link SimWorld#partition}. */
    void partition(String clientId, long untilNanos, boolean uplink, boolean downlink) {
        long[] cut = cutOff.computeIfAbsent(clientId, id -> new long[2]);
        if (uplink) cut[0] = Math.max(cut[0], untilNanos);
        if (downlink) cut[1] = Math.max(cut[1], untilNanos);
        Connection connection = connections.get(clientId);
        if (connection != null) cutOff(connection);
    }

    private void cutOff(Connection connection) {
        long[] cut = cutOff.get(connection.client.clientId());
        if (cut == null) return;
        long now = scheduler.nowNanos();
        if (cut[0] > now) connection.up.partitionUntil(cut[0]);
        if (cut[1] > now) connection.down.partitionUntil(cut[1]);
    }

    /** Every connection breaks at once (the broker died); clients hear of it after their downlink's delay. */
    void breakAll(String reason) {
        long now = scheduler.nowNanos();
        for (Connection connection : new ArrayList<>(connections.values())) {
            retire(connection);
            connections.remove(connection.client.clientId());
            tellClosed(connection, reason, now);
        }
    }

    /** See {@link SimWorld#healNetwork}. */
    void heal() {
        defaultProfile = defaultProfile.withLoss(0).withJitter(0).withBandwidth(0, defaultProfile.sendBufferBytes());
        for (Connection connection : connections.values()) {
            if (profiles.containsKey(connection.client.clientId())) continue;
            connection.up.reprofile(defaultProfile);
            connection.down.reprofile(downlink(defaultProfile));
        }
    }

    void partitionAll(long untilNanos, boolean uplink, boolean downlink) {
        for (String clientId : new ArrayList<>(connections.keySet())) partition(clientId, untilNanos, uplink, downlink);
    }

    /** See {@link SimWorld#randomPartitions}. */
    void randomPartitions(String clientId, Distribution gaps, Distribution durations, long untilNanos, boolean uplink, boolean downlink) {
        long at = scheduler.nowNanos() + gaps.sampleNanos(random);
        if (at >= untilNanos) return;
        scheduler.at(at, () -> {
            String victim = clientId;
            if (victim == null && !connections.isEmpty()) {
                List<String> connected = new ArrayList<>(connections.keySet()); // sorted: the TreeMap's order
                victim = connected.get(random.nextInt(connected.size()));
            }
            if (victim != null) partition(victim, scheduler.nowNanos() + durations.sampleNanos(random), uplink, downlink);
            randomPartitions(clientId, gaps, durations, untilNanos, uplink, downlink);
        });
    }

    /**
     * The open connections by client id: iterated in id order (a TreeMap: deterministic), looked up
     * through a hash map (every packet the broker sends looks its client up; a fleet's ids share long
     * prefixes, which make the tree's string comparisons the world's hottest spot).
     */
    private static final class Connections {
        private final TreeMap<String, Connection> ordered = new TreeMap<>();
        private final HashMap<String, Connection> byId = new HashMap<>(); // looked up, never iterated

        Connection get(String clientId) { return byId.get(clientId); }
        boolean containsKey(String clientId) { return byId.containsKey(clientId); }
        boolean isEmpty() { return byId.isEmpty(); }
        Collection<Connection> values() { return ordered.values(); }
        java.util.Set<String> keySet() { return ordered.keySet(); }

        Connection put(String clientId, Connection connection) {
            ordered.put(clientId, connection);
            connection.current = true;
            Connection previous = byId.put(clientId, connection);
            if (previous != null && previous != connection) previous.current = false;
            return previous;
        }

        Connection remove(String clientId) {
            ordered.remove(clientId);
            Connection removed = byId.remove(clientId);
            if (removed != null) removed.current = false;
            return removed;
        }
    }
}
