package dev.storyloop.device.sim;

import dev.storyloop.device.exec.Executor;
import dev.storyloop.device.time.Timer;
import dev.storyloop.device.time.TimerQueue;
import dev.storyloop.device.time.VirtualClock;

import java.util.Objects;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.function.BooleanSupplier;

/**
 * The simulated world: one virtual clock, one seeded PRNG, the broker, every client's links, and
 * the executors of the devices that live in it, all on one thread. The same seed and the same
 * inputs give the same run. Each device has a CPU of its own: CPU time one device spends delays
 * that device only (see {@link SimScheduler}).
 *
 * <p>A facade over three parts: {@link SimScheduler} (the clock, the event queue, the executors and
 * the loop), {@link SimNetwork} (connections, links, faults, and the broker's side of the sockets)
 * and {@link WorldBooks} (what closed connections carried and lost). The {@link SimBroker} returns
 * its output in an {@link Outbox} that the network drains; packets travel as {@link Packet} values.
 */
public final class SimWorld {
    public static final int EVENT_CAPACITY_DEFAULT = 1 << 20;
    /** What Mosquitto will hold for one client before this model counts copies as dropped. */
    public static final int BROKER_OUTGOING_BUFFER_BYTES = SimNetwork.BROKER_OUTGOING_BUFFER_BYTES;

    private final SplittableRandom random;
    private final SimScheduler scheduler;
    private final SimBroker broker;
    private final WorldBooks books = new WorldBooks();
    private final SimNetwork network;
    private final TreeMap<String, SimClient> clients = new TreeMap<>();
    private final Timer brokerTick = new Timer() {
        @Override
        protected void onFire(long nowNanos) {
            network.brokerTick(nowNanos);
        }
    };

    public SimWorld(long seed, BrokerLimits limits, LinkProfile defaultProfile) {
        this(seed, limits, defaultProfile, new VirtualClock(), EVENT_CAPACITY_DEFAULT);
    }

    public SimWorld(long seed, BrokerLimits limits, LinkProfile defaultProfile, VirtualClock clock, int eventCapacity) {
        this(seed, limits, KeepaliveCheck.mosquitto(seed), defaultProfile, clock, eventCapacity);
    }

    /** A world whose broker notices lapsed keepalives by {@code keepaliveCheck} (by default Mosquitto's, phased by the seed). */
    public SimWorld(long seed, BrokerLimits limits, KeepaliveCheck keepaliveCheck, LinkProfile defaultProfile, VirtualClock clock,
                    int eventCapacity) {
        this.random = new SplittableRandom(seed);
        this.scheduler = new SimScheduler(Objects.requireNonNull(clock, "clock"), eventCapacity, this::armBrokerTick);
        this.broker = new SimBroker(limits, keepaliveCheck);
        this.network = new SimNetwork(scheduler, random, broker, books, defaultProfile);
    }

    public VirtualClock clock() { return scheduler.clock(); }
    /** Network and fault events fired so far (packets delivered, timers of the world): the run's progress measure. */
    public long eventsFired() { return scheduler.eventsFired(); }
    public long nowNanos() { return scheduler.nowNanos(); }
    public SimBroker broker() { return broker; }
    public SplittableRandom random() { return random; }
    TimerQueue events() { return scheduler.events(); }
    SimNetwork network() { return network; }

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
        network.profile(clientId, profile);
    }

    /**
     * Adds an executor with a CPU of its own, on this world's clock, and no MQTT client of its own (a
     * test's loop): the CPU time its polls spend delays only it. A device is added with its transport.
     */
    public void add(Executor executor) {
        scheduler.add(executor);
    }

    /**
     * Adds a device: its executor, with a CPU of its own on this world's clock, and the MQTT client of
     * its transport, which runs on that CPU: while a poll of the device spends CPU time (a blocking
     * call), its client sends no PINGREQ and takes nothing from the network; what arrives waits in
     * the downlink, as in a socket's receive buffer, until the device is free.
     */
    public void add(Executor executor, SimTransport transport) {
        transport.client().runsOn(scheduler.add(executor));
    }

    /** When the CPU with index {@code cpu} (see {@link #add(Executor, SimTransport)}) is free again; at most now when it is not busy. */
    long cpuFreeNanos(int cpu) {
        return scheduler.busyUntilNanos(cpu);
    }

    // ---- faults -----------------------------------------------------------------------------

    /**
     * Cuts a client off from the broker until {@code untilNanos}, in both directions or one: its
     * connection now, and any connection it opens before then (the path is cut, not the socket).
     */
    public void partition(String clientId, long untilNanos, boolean uplink, boolean downlink) {
        network.partition(clientId, untilNanos, uplink, downlink);
    }

    /** Cuts every connected client off until {@code untilNanos}. */
    public void partitionAll(long untilNanos, boolean uplink, boolean downlink) {
        network.partitionAll(untilNanos, uplink, downlink);
    }

    /**
     * Partitions at random until {@code untilNanos}: after each gap drawn from {@code gaps}, one
     * connected client (or {@code clientId} when given) is cut off for a time drawn from {@code durations}.
     */
    public void randomPartitions(String clientId, Distribution gaps, Distribution durations, long untilNanos,
                                 boolean uplink, boolean downlink) {
        network.randomPartitions(clientId, gaps, durations, untilNanos, uplink, downlink);
    }

    /** The broker process dies now: every connection breaks, clients hear of it after their downlink's delay. */
    public void crashBroker() {
        broker.crash(nowNanos());
        network.breakAll("broker died");
    }

    public void restartBroker() {
        broker.restart(nowNanos());
    }

    /**
     * The network heals: from now on every link without its own profile loses nothing, has no jitter
     * and no bandwidth limit (its latency stays), open connections included.
     */
    public void healNetwork() {
        network.heal();
    }

    /** Runs {@code action} at {@code atNanos} of virtual time (schedules faults, load changes). */
    public void at(long atNanos, Runnable action) {
        scheduler.at(atNanos, action);
    }

    // ---- running ----------------------------------------------------------------------------

    /** Runs until {@code done} holds or the clock reaches {@code untilNanos}; returns false when nothing more can happen. */
    public boolean runUntil(BooleanSupplier done, long untilNanos) {
        return scheduler.runUntil(done, untilNanos);
    }

    public boolean runFor(long durationNanos) {
        long until = nowNanos() + durationNanos;
        return runUntil(() -> nowNanos() >= until, until);
    }

    /**
     * Before every jump of the clock: the broker's next keepalive walk, armed anew each time, so that it
     * ties to the nanosecond behind every event armed before the jump. The re-arm is skipped only when
     * it would change nothing: the walk's time is the same and nothing was armed since.
     */
    private void armBrokerTick() {
        long next = broker.nextKeepAliveDeadlineNanos();
        TimerQueue events = scheduler.events();
        if (next == Long.MAX_VALUE) events.cancel(brokerTick);
        else if (!events.isArmedLastFor(brokerTick, next)) events.arm(brokerTick, next);
    }

    // ---- books --------------------------------------------------------------------------------

    /**
     * Every book balances: each link's packets, the broker's copies, and the clients' messages:
     * every PUBLISH a client sent reached the broker, was lost with its connection, or is on the way.
     */
    public void checkBalance() {
        books.check(network.connections(), broker);
    }

    /** PUBLISH packets clients sent, those lost because their connection closed, and those on the way now. */
    public long[] clientPublishBooks() {
        return books.clientPublishes(network.connections());
    }

    /** Packets lost because their connection closed under them, over all links so far. */
    public long packetsLostOnClose() {
        return books.packetsLostOnClose();
    }
}
