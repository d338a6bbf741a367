package dev.storyloop.device.firmware;

import dev.storyloop.device.chan.Channel;
import dev.storyloop.device.chan.Signal;
import dev.storyloop.device.exec.Executor;
import dev.storyloop.device.exec.JoinHandle;
import dev.storyloop.device.exec.WakeSource;
import dev.storyloop.device.exec.WakerSlot;
import dev.storyloop.device.hal.Board;
import dev.storyloop.device.hal.SimulatedSensors;
import dev.storyloop.device.memory.MemoryBudget;
import dev.storyloop.device.net.Transport;
import dev.storyloop.device.time.Clock;
import dev.storyloop.protocol.Authenticator;
import dev.storyloop.protocol.Frame;
import dev.storyloop.protocol.FrameCodec;
import dev.storyloop.protocol.JcaAuthenticator;
import dev.storyloop.protocol.Topics;

import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * One device's firmware: its RAM budget, its executor, and the tasks that run on it.
 *
 * <p>Boot ({@link #boot}) reserves everything in the device's {@link MemoryBudget} and seals it,
 * failing with the memory map when the configuration does not fit. {@link #start()} spawns the
 * supervisor, which spawns the working tasks:
 * <pre>
 *   sampler ──(uplink queue: bounded, overflow policy)──▶ uplink ──▶ Transport.publish (window of W)
 *   connection: connect ▸ subscribe cmd, flow ▸ status "online" ▸ wait for loss ▸ backoff ▸ …
 *   commands:   cmd frames ▸ act ▸ ACK;  flow frames ▸ credits and rate for the uplink
 *   token-refresh: every period, HMAC through the board (offloaded, or inline: a story switch)
 *   led:        blinks on command
 * </pre>
 * A reboot command aborts the tasks, loses what RAM held (counted as dropped on reboot), and
 * spawns them again; the telemetry sequence counter lives in "RTC memory" and survives, so the
 * gateway's gap accounting stays exact across reboots.
 */
public final class Device implements WakeSource {
    public static final int TASKS = 7;
    public static final int TIMERS = 16;
    public static final int INBOUND_CAPACITY = 32;
    /** Bytes one telemetry frame takes in RAM: the encoded frame with four readings and the longest id. */
    public static final int FRAME_SLOT_BYTES = FrameCodec.MAX_FRAME_BYTES;

    /** What the supervisor is asked to do. */
    enum Control { REBOOT, SHUTDOWN }

    final FirmwareConfig config;
    private final String wakeSourceName;
    final Executor executor;
    final Transport transport;
    final Board board;
    private long wallOriginMillis; // the clock's wall time at its origin: 0 simulated, Unix time live
    final MemoryBudget budget;
    final Channel<byte[]> uplink;
    final DeviceStats stats = new DeviceStats();
    /** The C HMAC library's key cache when request signing is on (shared by request tasks and token refreshes), else null. */
    final HmacBudget hmacCache;
    final SimulatedSensors sensors;
    final Authenticator frameAuthenticator;
    final Authenticator tokenAuthenticator;
    final String telemetryTopic;
    final String statusTopic;
    final String ackTopic;
    final String cmdTopic;
    final String flowTopic;
    final byte[] online = Topics.STATUS_ONLINE.getBytes(StandardCharsets.US_ASCII);
    final byte[] offline = Topics.STATUS_OFFLINE.getBytes(StandardCharsets.US_ASCII);
    final Signal<Control> control;
    final Signal<Integer> blinkRequests;
    final Signal<Boolean> buttonPresses;
    /** The uplink signals here when, stopping, its last outstanding publish completed. */
    final Signal<Boolean> flushed;
    /** The uplink waits here for the connection, a token or credit; whoever changes one of those wakes it. */
    final WakerSlot uplinkWake = new WakerSlot();

    // "RTC memory": survives reboots.
    private long nextSequence;
    private int boots;

    // RAM state: reset by every boot.
    long samplePeriodNanos;
    boolean connected;
    boolean flushing;         // reboot or shutdown under way: the uplink sends nothing new
    long tokenExpiresNanos;
    long credits;             // frames the gateway lets us send; UNLIMITED until it says otherwise
    long rateIntervalNanos;   // at least this long between frames; 0: no limit
    Supervisor supervisor;
    private JoinHandle<Void> supervisorHandle;
    private boolean poweredOff;

    static final long UNLIMITED = Long.MAX_VALUE;

    private Device(FirmwareConfig config, Executor executor, MemoryBudget budget, Transport transport, Board board) {
        this.config = config;
        this.wakeSourceName = "device:" + config.deviceId();
        this.executor = executor;
        this.budget = budget;
        this.transport = transport;
        this.board = board;
        String id = config.deviceId();
        this.uplink = Channel.create(budget, "uplink", config.uplinkCapacity(), FRAME_SLOT_BYTES, config.overflowPolicy());
        budget.reserve("publish window", config.uplinkWindow(), FRAME_SLOT_BYTES);
        budget.reserve("mqtt inbound", INBOUND_CAPACITY, FRAME_SLOT_BYTES);
        budget.reserve("frame scratch", 2, FRAME_SLOT_BYTES);
        this.sensors = new SimulatedSensors(config.seed());
        byte[] key = config.key();
        this.frameAuthenticator = new JcaAuthenticator(key);
        this.tokenAuthenticator = board.tokenAuthenticator(key);
        this.telemetryTopic = Topics.telemetry(id);
        this.statusTopic = Topics.status(id);
        this.ackTopic = Topics.ack(id);
        this.cmdTopic = Topics.cmd(id);
        this.flowTopic = Topics.flow(id);
        this.control = new Signal<>("control");
        this.blinkRequests = new Signal<>("blink");
        this.buttonPresses = new Signal<>("button");
        this.flushed = new Signal<>("flushed");
        this.hmacCache = config.requestSigning()
                ? new HmacBudget(config.hmacBudgetPerSecond() == 0 ? Integer.MAX_VALUE : config.hmacBudgetPerSecond()) : null;
        board.gpio().onButton(() -> buttonPresses.signal(Boolean.TRUE));
    }

    /**
     * Reserves the device's RAM and builds its executor on {@code clock}; throws
     * {@link dev.storyloop.device.memory.BudgetExceededException} with the memory map when it does not fit.
     * Attach diagnostics to {@link #executor()} now, then {@link #start()}.
     */
    public static Device boot(FirmwareConfig config, Clock clock, Transport transport, Board board) {
        Objects.requireNonNull(config, "config");
        MemoryBudget budget = new MemoryBudget("device '" + config.deviceId() + "'", config.ramBytes());
        int requestTasks = config.requestSigning() ? config.requestSlots() : 0; // each may wait on one timer
        Executor executor = Executor.builder(config.deviceId()).clock(clock).taskCapacity(TASKS + requestTasks)
                .timerCapacity(TIMERS + requestTasks)
                .budget(budget).build();
        Device device = new Device(config, executor, budget, Objects.requireNonNull(transport, "transport"),
                Objects.requireNonNull(board, "board"));
        device.wallOriginMillis = clock.wallOriginMillis();
        budget.seal();
        return device;
    }

    /** Spawns the supervisor, which spawns the other tasks. Call once, on the loop thread, before running the executor. */
    public void start() {
        if (supervisorHandle != null) throw new IllegalStateException("device '" + config.deviceId() + "' already started");
        resetRam();
        supervisor = new Supervisor(this);
        supervisorHandle = executor.spawn("main", supervisor);
    }

    /** Resets what RAM held at power-on. */
    void resetRam() {
        samplePeriodNanos = config.samplePeriodNanos();
        uplink.policy(config.overflowPolicy());
        connected = false;
        flushing = false;
        flushed.tryTake();
        tokenExpiresNanos = Long.MIN_VALUE;
        credits = UNLIMITED;
        rateIntervalNanos = 0;
        boots++;
    }

    /** A frame's device timestamp at loop time {@code nowNanos}: Unix milliseconds live, the world's milliseconds simulated. */
    long timestampMillis(long nowNanos) {
        return wallOriginMillis + nowNanos / 1_000_000L;
    }

    /** The next telemetry sequence number (u32, wraps), from RTC memory. */
    long takeSequence() {
        long sequence = nextSequence;
        nextSequence = nextSequence == Frame.U32_MAX ? 0 : nextSequence + 1;
        return sequence;
    }

    /** Wakes the uplink after a change in connection, token or credit. */
    void uplinkConditionsChanged() {
        uplinkWake.wake(this);
    }

    /**
     * The board loses power now, a fault the simulator injects on the loop thread: every task stops
     * where it is, with no flush, no "offline" and no DISCONNECT (the shell cuts the socket, which
     * the broker notices only when the keepalive lapses). What RAM held is lost and booked as on a
     * reset; the sequence counter, in battery-backed RTC memory, survives. {@link #powerOn()} boots again.
     */
    public void powerCut() {
        if (supervisorHandle == null || poweredOff) return;
        Supervisor s = supervisor;
        if (s != null) {
            int unconfirmed = s.unconfirmed();
            stats.droppedOnReset += s.windowFrames() - unconfirmed + s.framesInHand();
            stats.unconfirmedAtReset += unconfirmed;
        }
        supervisorHandle.abort(); // the tasks stop first: none may still wait on the queue it empties
        stats.droppedOnReset += uplink.clear();
        supervisor = null;
        connected = false;
        poweredOff = true;
        stats.powerCuts++;
    }

    /** Power is back: the firmware boots as at first start, with RAM reset. Loop thread only. */
    public void powerOn() {
        if (!poweredOff) return;
        poweredOff = false;
        stats.reboots++;
        resetRam();
        supervisor = new Supervisor(this);
        supervisorHandle = executor.spawn("main", supervisor);
    }

    /** True between {@link #powerCut()} and {@link #powerOn()}. */
    public boolean isPoweredOff() {
        return poweredOff;
    }

    /** Asks the firmware to say "offline", disconnect and stop; safe from any thread (Ctrl-C). */
    public void requestShutdown() {
        control.signal(Control.SHUTDOWN);
    }

    /** True once the firmware has stopped after {@link #requestShutdown()}. */
    public boolean isStopped() {
        return supervisorHandle != null && supervisorHandle.isDone();
    }

    // ---- books ------------------------------------------------------------------------------

    /** Frames dropped for any reason: overflow (oldest or newest), and RAM emptied by a reboot or shutdown. */
    public long dropped() {
        return uplink.stats().droppedOldest() + uplink.stats().droppedNewest() + stats.droppedOnReset;
    }

    /** Frames held in RAM now: the queue, the publish window, and one in the sampler's hand while it waits for room. */
    public int buffered() {
        Supervisor s = supervisor;
        return uplink.depth() + (s == null ? 0 : s.windowFrames() + s.framesInHand());
    }

    /**
     * Readings the books cannot place: taken, never delivered, never counted as dropped, not held.
     * Zero for correct firmware; a select that cancels a branch holding a reading makes it grow.
     */
    public long unaccounted() {
        return stats.sampled - stats.delivered - dropped() - buffered() - stats.unconfirmedAtReset;
    }

    /**
     * Asserts that every reading is delivered, dropped with a reason, still held, or was published and
     * unconfirmed when a reset came (its fate unknown to the device); returns the books as text.
     */
    public String checkBooks() {
        long held = buffered();
        String books = "sampled " + stats.sampled + " = delivered " + stats.delivered + " + dropped " + dropped()
                + " + buffered " + held + " + unconfirmed at reset " + stats.unconfirmedAtReset;
        if (stats.sampled != stats.delivered + dropped() + held + stats.unconfirmedAtReset) {
            throw new AssertionError("device '" + config.deviceId() + "' books do not balance: " + books);
        }
        return books;
    }

    void noteBuffered() {
        int held = buffered();
        if (held > stats.peakBuffered) stats.peakBuffered = held;
    }

    public FirmwareConfig config() { return config; }
    public Executor executor() { return executor; }
    public MemoryBudget budget() { return budget; }
    public Transport transport() { return transport; }
    public Board board() { return board; }
    public DeviceStats stats() { return stats; }
    public Channel<byte[]> uplink() { return uplink; }
    public boolean isConnected() { return connected; }
    public int boots() { return boots; }
    public long samplePeriodNanos() { return samplePeriodNanos; }

    /**
     * Sets the sample period as a SET_SAMPLE_PERIOD command would: the hand of a scenario's load
     * changes. Loop thread only; the period must be within the firmware's range.
     */
    public void samplePeriodNanos(long periodNanos) {
        if (periodNanos < FirmwareConfig.SAMPLE_PERIOD_MIN_NANOS || periodNanos > FirmwareConfig.SAMPLE_PERIOD_MAX_NANOS) {
            throw new IllegalArgumentException("sample period out of range: " + periodNanos + " ns");
        }
        samplePeriodNanos = periodNanos;
    }
    /** The sequence number the next reading will get. */
    public long nextSequence() { return nextSequence; }
    public long credits() { return credits == UNLIMITED ? -1 : credits; }

    @Override
    public String wakeSourceName() {
        return wakeSourceName; // made once: a fleet's traces name it in every reading, where a new String each time was a new encoding too
    }

    @Override
    public String toString() {
        return "device '" + config.deviceId() + "' conditions (connection, token, credit)";
    }
}
