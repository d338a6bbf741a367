package dev.storyloop.device.sim;

import dev.storyloop.device.exec.Executor;
import dev.storyloop.device.time.Timer;
import dev.storyloop.device.time.TimerQueue;
import dev.storyloop.device.time.VirtualClock;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.function.BooleanSupplier;

/**
 * The simulated world: one virtual clock, one seeded PRNG, the broker, every client's links, and
 * the executors of the devices that live in it, all on one thread.
 *
 * <p>{@link #runUntil} lets every executor run what it can, fires the network's due events, and
 * when nothing is left to do jumps the clock to the earliest deadline anywhere. The same seed and
 * the same inputs give the same run.
 */
public final class SimWorld implements BrokerPort {
    public static final int EVENT_CAPACITY_DEFAULT = 1 << 20;
    private static final int EVENTS_PER_TURN = 4096;
    /** What Mosquitto will hold for one client before this model counts copies as dropped. */
    public static final int BROKER_OUTGOING_BUFFER_BYTES = 16 * 1024 * 1024;

    private final VirtualClock clock;
    private final SplittableRandom random;
    private final TimerQueue events;
    private final SimBroker broker;
    private LinkProfile defaultProfile;
    private final TreeMap<String, SimClient> clients = new TreeMap<>();
    private final TreeMap<String, LinkProfile> profiles = new TreeMap<>();
    private final Connections connections = new Connections();
    /** Per client, until when its uplink and downlink are cut (a partition outlives a reconnect). */
    private final TreeMap<String, long[]> cutOff = new TreeMap<>();
    private final List<Executor> executors = new ArrayList<>();
    private final ExecutorSchedule schedule = new ExecutorSchedule();
    private long eventsFired;
    private long lostOnClosedLinks; // closed links are checked and folded in here, not kept
    private long uplinkPublishesOffered;   // ... with their PUBLISH counts
    private long uplinkPublishesDelivered;
    private long uplinkPublishesLost;
    private final Timer brokerTick = new Timer() {
        @Override
        protected void onFire(long nowNanos) {
            broker.tick(nowNanos);
        }
    };

    /** One TCP connection of one client: an uplink and a downlink. */
    private Connection connectArriving; // set while the broker handles a CONNECT

    static final class Connection {
        final SimClient client;
        final Link up;
        final Link down;
        boolean disconnectSent; // DISCONNECT is on the uplink: the client is done with this connection
        boolean retired;        // its links are closed and its packets counted into the world's books

        Connection(SimClient client, Link up, Link down) {
            this.client = client;
            this.up = up;
            this.down = down;
        }
    }

    public SimWorld(long seed, BrokerLimits limits, LinkProfile defaultProfile) {
        this(seed, limits, defaultProfile, new VirtualClock(), EVENT_CAPACITY_DEFAULT);
    }

    public SimWorld(long seed, BrokerLimits limits, LinkProfile defaultProfile, VirtualClock clock, int eventCapacity) {
        this(seed, limits, KeepaliveCheck.mosquitto(seed), defaultProfile, clock, eventCapacity);
    }

    /** A world whose broker notices lapsed keepalives by {@code keepaliveCheck} (by default Mosquitto's, phased by the seed). */
    public SimWorld(long seed, BrokerLimits limits, KeepaliveCheck keepaliveCheck, LinkProfile defaultProfile, VirtualClock clock,
                    int eventCapacity) {
        this.clock = Objects.requireNonNull(clock, "clock");
        this.random = new SplittableRandom(seed);
        this.events = new TimerQueue(eventCapacity);
        this.broker = new SimBroker(limits, keepaliveCheck, this);
        this.defaultProfile = Objects.requireNonNull(defaultProfile, "defaultProfile");
    }

    public VirtualClock clock() { return clock; }
    /** Network and fault events fired so far (packets delivered, timers of the world): the run's progress measure. */
    public long eventsFired() { return eventsFired; }
    public long nowNanos() { return clock.nanos(); }
    public SimBroker broker() { return broker; }
    public SplittableRandom random() { return random; }
    TimerQueue events() { return events; }

    /** A client that acknowledges QoS 1 messages itself, as Paho does. */
    public SimClient client(String clientId, ClientListener listener) {
        return client(clientId, listener, true);
    }

    public SimClient client(String clientId, ClientListener listener, boolean autoAck) {
        if (clients.containsKey(clientId)) throw new IllegalArgumentException("client '" + clientId + "' already exists");
        SimClient client = new SimClient(this, clientId, listener, autoAck);
        clients.put(clientId, client);
        return client;
    }

    /** Gives one client's connections their own link profile (both directions). */
    public void profile(String clientId, LinkProfile profile) {
        profiles.put(clientId, Objects.requireNonNull(profile, "profile"));
    }

    /** Adds a device's executor; it must run on this world's clock. */
    public void add(Executor executor) {
        if (executor.clock() != clock) throw new IllegalArgumentException("executor '" + executor.name() + "' runs on another clock");
        executor.bindLoopThread(); // the world's thread steps it: a wake from any other fails loudly
        executors.add(executor);
        int index = schedule.add(executor.nextDeadlineNanos());
        executor.onReady(() -> schedule.ready(index));
    }

    // ---- faults -----------------------------------------------------------------------------

    /**
     * Cuts a client off from the broker until {@code untilNanos}, in both directions or one: its
     * connection now, and any connection it opens before then (the path is cut, not the socket).
     */
    public void partition(String clientId, long untilNanos, boolean uplink, boolean downlink) {
        long[] cut = cutOff.computeIfAbsent(clientId, id -> new long[2]);
        if (uplink) cut[0] = Math.max(cut[0], untilNanos);
        if (downlink) cut[1] = Math.max(cut[1], untilNanos);
        Connection connection = connections.get(clientId);
        if (connection != null) cutOff(connection);
    }

    private void cutOff(Connection connection) {
        long[] cut = cutOff.get(connection.client.clientId());
        if (cut == null) return;
        long now = nowNanos();
        if (cut[0] > now) connection.up.partitionUntil(cut[0]);
        if (cut[1] > now) connection.down.partitionUntil(cut[1]);
    }

    /** The broker process dies now: every connection breaks, clients hear of it after their downlink's delay. */
    public void crashBroker() {
        long now = nowNanos();
        broker.crash(now);
        for (Connection connection : new ArrayList<>(connections.values())) {
            retire(connection);
            connections.remove(connection.client.clientId());
            tellClosed(connection, "broker died", now);
        }
    }

    /**
     * The network heals: from now on every link without its own profile loses nothing, has no jitter
     * and no bandwidth limit (its latency stays), open connections included.
     */
    public void healNetwork() {
        defaultProfile = defaultProfile.withLoss(0).withJitter(0).withBandwidth(0, defaultProfile.sendBufferBytes());
        for (Connection connection : connections.values()) {
            if (profiles.containsKey(connection.client.clientId())) continue;
            connection.up.reprofile(defaultProfile);
            connection.down.reprofile(downlink(defaultProfile));
        }
    }

    public void restartBroker() {
        broker.restart(nowNanos());
    }

    /** Runs {@code action} at {@code atNanos} of virtual time (schedules faults, load changes). */
    public void at(long atNanos, Runnable action) {
        notifyLater(atNanos, action);
    }

    private void notifyLater(long atNanos, Runnable action) {
        events.arm(new Timer() {
            @Override
            protected void onFire(long nowNanos) {
                action.run();
            }
        }, atNanos);
    }

    // ---- running ----------------------------------------------------------------------------

    /** Runs until {@code done} holds or the clock reaches {@code untilNanos}; returns false when nothing more can happen. */
    public boolean runUntil(BooleanSupplier done, long untilNanos) {
        while (!done.getAsBoolean()) {
            long now = clock.nanos();
            int work = 0;
            // Only executors with something to do are stepped (the schedule knows which, without asking
            // each), and only those that worked since their last idle turn are told they are idle: a
            // fleet of thousands costs per event, not per device.
            schedule.beginTurn(now);
            for (int i = schedule.nextInTurn(); i >= 0; i = schedule.nextInTurn()) {
                Executor executor = executors.get(i);
                int done1 = executor.doWork();
                work += done1;
                schedule.stepped(i, executor.nextDeadlineNanos(), done1 > 0);
                if (executor.hasRunnable()) schedule.ready(i);
            }
            int fired = events.fire(now, EVENTS_PER_TURN);
            eventsFired += fired;
            work += fired;
            if (work > 0 || schedule.anyReady()) continue;
            for (int i = schedule.pollWorked(); i >= 0; i = schedule.pollWorked()) executors.get(i).idle();
            armBrokerTick();
            long next = Math.min(Math.min(events.nextDeadlineNanos(), untilNanos), schedule.earliestDeadline());
            if (next == Long.MAX_VALUE) return false;
            if (now >= untilNanos) return true;
            clock.advanceTo(next);
        }
        return true;
    }

    public boolean runFor(long durationNanos) {
        long until = clock.nanos() + durationNanos;
        return runUntil(() -> clock.nanos() >= until, until);
    }

    private void armBrokerTick() {
        long next = broker.nextKeepAliveDeadlineNanos();
        if (next == Long.MAX_VALUE) events.cancel(brokerTick);
        else events.arm(brokerTick, next);
    }

    // ---- connections ------------------------------------------------------------------------

    /** Towards a client, Mosquitto queues what the socket cannot take yet in its own memory: the downlink's buffer stands for both. */
    private static LinkProfile downlink(LinkProfile profile) {
        return profile.withBandwidth(profile.bytesPerSecond(), Math.max(profile.sendBufferBytes(), BROKER_OUTGOING_BUFFER_BYTES));
    }

    Connection open(SimClient client) {
        LinkProfile profile = profiles.getOrDefault(client.clientId(), defaultProfile);
        Connection connection = new Connection(client,
                new Link(client.clientId() + ".up", profile, random, events),
                new Link(client.clientId() + ".down", downlink(profile), random, events));
        cutOff(connection);
        Connection previous = connections.put(client.clientId(), connection);
        if (previous != null) {
            // The old connection's DISCONNECT left before this CONNECT; the broker takes it first, so a
            // clean goodbye stays clean (no will) and the new CONNECT is not a session takeover.
            if (previous.disconnectSent) broker.disconnect(nowNanos(), client.clientId());
            retire(previous);
        }
        return connection;
    }

    /** The broker takes a CONNECT that arrived on {@code connection}. */
    boolean connectArrived(Connection connection, long at, boolean cleanSession, int keepAliveSeconds, Message will) {
        connectArriving = connection;
        boolean accepted;
        try {
            accepted = broker.connect(at, connection.client.clientId(), cleanSession, keepAliveSeconds, will);
        } finally {
            connectArriving = null;
        }
        if (!accepted && connections.get(connection.client.clientId()) == connection) {
            // Nothing listens while the broker is down: the connection is refused, as a TCP reset says at once.
            connections.remove(connection.client.clientId());
            retire(connection);
            tellClosed(connection, "connection refused (broker down)", at);
        }
        return accepted;
    }

    /** A clean close after DISCONNECT went through. */
    void close(Connection connection) {
        if (connections.get(connection.client.clientId()) == connection) connections.remove(connection.client.clientId());
        retire(connection);
    }

    /** The client's side died: the broker notices the socket close after the uplink's delay. */
    void abort(Connection connection) {
        long now = nowNanos();
        close(connection);
        String clientId = connection.client.clientId();
        long noticed = now + defaultProfile.latency().sampleNanos(random);
        notifyLater(noticed, () -> {
            // Only if the broker still sees this connection (a newer one may have taken over).
            if (!connections.containsKey(clientId)) broker.connectionLost(nowNanos(), clientId);
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
        for (Link link : new Link[] {connection.up, connection.down}) {
            if (!link.isOpen()) continue;
            link.close();
            link.checkBalance();
            lostOnClosedLinks += link.lostOnClose();
        }
        uplinkPublishesOffered += connection.up.publishesOffered();
        uplinkPublishesDelivered += connection.up.publishesDelivered();
        uplinkPublishesLost += connection.up.publishesLost();
    }

    private Connection down(String clientId) {
        Connection connection = connections.get(clientId);
        return connection != null && connection.down.isOpen() ? connection : null;
    }

    // ---- the broker's output, onto downlinks ------------------------------------------------

    @Override
    public void connack(String clientId, boolean sessionPresent, long now) {
        Connection c = down(clientId);
        if (c != null) c.down.offer(now, 4, at -> c.client.deliverConnack(sessionPresent, at));
    }

    @Override
    public boolean publish(String clientId, Message message, int packetId, boolean duplicate, long now) {
        Connection c = down(clientId);
        if (c == null) return false;
        return c.down.offer(now, SimClient.publishBytes(message), at -> c.client.deliverMessage(message, packetId, duplicate, at));
    }

    @Override
    public void puback(String clientId, int packetId, long now) {
        Connection c = down(clientId);
        if (c != null) c.down.offer(now, 4, at -> c.client.deliverPuback(packetId, at));
    }

    @Override
    public void suback(String clientId, int grantedQos, long now) {
        Connection c = down(clientId);
        if (c != null) c.down.offer(now, 5, at -> c.client.deliverSuback(grantedQos, at));
    }

    @Override
    public void pingresp(String clientId, long now) {
        Connection c = down(clientId);
        if (c != null) c.down.offer(now, 2, at -> c.client.deliverPingresp(at));
    }

    @Override
    public void close(String clientId, String reason, long now) {
        Connection c = connections.get(clientId);
        if (c == null || c == connectArriving) return; // a takeover closes the old connection, retired when the new one opened
        connections.remove(clientId);
        retire(c);
        tellClosed(c, reason, now);
    }

    /**
     * The client learns its connection closed when the FIN or RST reaches it; across a partitioned
     * downlink nothing reaches it, and it has to find out through its own keepalive.
     */
    private void tellClosed(Connection connection, String reason, long now) {
        if (connection.down.isPartitioned(now)) return;
        notifyLater(now + defaultProfile.latency().sampleNanos(random), () -> connection.client.closed(connection, reason, nowNanos()));
    }

    // ---- books --------------------------------------------------------------------------------

    /**
     * Every book balances: each link's packets, the broker's copies, and the clients' messages:
     * every PUBLISH a client sent reached the broker, was lost with its connection, or is on the way.
     */
    public void checkBalance() {
        broker.checkBalance();
        long offered = uplinkPublishesOffered;
        long delivered = uplinkPublishesDelivered;
        long lost = uplinkPublishesLost;
        long inFlight = 0;
        for (Connection connection : connections.values()) {
            connection.up.checkBalance();
            connection.down.checkBalance();
            offered += connection.up.publishesOffered();
            delivered += connection.up.publishesDelivered();
            lost += connection.up.publishesLost();
            inFlight += connection.up.publishesOffered() - connection.up.publishesDelivered() - connection.up.publishesLost();
        }
        if (offered != delivered + lost + inFlight) {
            throw new IllegalStateException("client publishes do not balance: sent " + offered + " != arrived " + delivered
                    + " + lost " + lost + " + in flight " + inFlight);
        }
        if (delivered != broker.stats().clientPublishes()) {
            throw new IllegalStateException("the broker counted " + broker.stats().clientPublishes()
                    + " publishes from clients, the uplinks delivered " + delivered);
        }
    }

    /** PUBLISH packets clients sent, those lost because their connection closed, and those on the way now. */
    public long[] clientPublishBooks() {
        long offered = uplinkPublishesOffered;
        long lost = uplinkPublishesLost;
        long delivered = uplinkPublishesDelivered;
        for (Connection connection : connections.values()) {
            offered += connection.up.publishesOffered();
            lost += connection.up.publishesLost();
            delivered += connection.up.publishesDelivered();
        }
        return new long[] {offered, delivered, lost, offered - delivered - lost};
    }

    /** Cuts every connected client off until {@code untilNanos}. */
    public void partitionAll(long untilNanos, boolean uplink, boolean downlink) {
        for (String clientId : new ArrayList<>(connections.keySet())) partition(clientId, untilNanos, uplink, downlink);
    }

    /**
     * Partitions at random until {@code untilNanos}: after each gap drawn from {@code gaps}, one
     * connected client (or {@code clientId} when given) is cut off for a time drawn from {@code durations}.
     */
    public void randomPartitions(String clientId, Distribution gaps, Distribution durations, long untilNanos,
                                 boolean uplink, boolean downlink) {
        long at = nowNanos() + gaps.sampleNanos(random);
        if (at >= untilNanos) return;
        at(at, () -> {
            String victim = clientId;
            if (victim == null && !connections.isEmpty()) {
                List<String> connected = new ArrayList<>(connections.keySet()); // sorted: the TreeMap's order
                victim = connected.get(random.nextInt(connected.size()));
            }
            if (victim != null) partition(victim, nowNanos() + durations.sampleNanos(random), uplink, downlink);
            randomPartitions(clientId, gaps, durations, untilNanos, uplink, downlink);
        });
    }

    /** Packets lost because their connection closed under them, over all links so far. */
    public long packetsLostOnClose() {
        return lostOnClosedLinks; // open links have lost nothing: they lose packets only by closing
    }

    /**
     * The open connections by client id: iterated in id order (a TreeMap: deterministic), looked up
     * through a hash map (every packet the broker sends looks its client up; a fleet's ids share long
     * prefixes, which make the tree's string comparisons the world's hottest spot).
     */
    private static final class Connections {
        private final TreeMap<String, Connection> ordered = new TreeMap<>();
        private final java.util.HashMap<String, Connection> byId = new java.util.HashMap<>();

        Connection get(String clientId) { return byId.get(clientId); }
        boolean containsKey(String clientId) { return byId.containsKey(clientId); }
        boolean isEmpty() { return byId.isEmpty(); }
        java.util.Collection<Connection> values() { return ordered.values(); }
        java.util.Set<String> keySet() { return ordered.keySet(); }

        Connection put(String clientId, Connection connection) {
            ordered.put(clientId, connection);
            return byId.put(clientId, connection);
        }

        Connection remove(String clientId) {
            ordered.remove(clientId);
            return byId.remove(clientId);
        }
    }
}
