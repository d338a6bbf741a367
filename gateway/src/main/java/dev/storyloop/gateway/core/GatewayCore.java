package dev.storyloop.gateway.core;

import dev.storyloop.protocol.AckStatus;
import dev.storyloop.protocol.Authenticator;
import dev.storyloop.protocol.CommandCode;
import dev.storyloop.protocol.DecodeResult;
import dev.storyloop.protocol.Frame;
import dev.storyloop.protocol.FrameCodec;
import dev.storyloop.protocol.FrameType;
import dev.storyloop.protocol.JcaAuthenticator;
import dev.storyloop.protocol.Topics;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Objects;
import java.util.PriorityQueue;

/**
 * The gateway's logic, sans I/O: frames in (with {@code now}), actions out through an {@link Outbox}.
 *
 * <p>Every input is either accepted or rejected with a {@link Rejection} that is counted; nothing
 * throws out of {@link #handle}. Frames go through a bounded ingest queue ({@link #enqueue},
 * {@link #drain}) whose depth is the backlog flow control watches; {@link #handle} skips the queue.
 * Time comes in as an argument, so the same core runs in Vert.x and in the simulated world; it
 * must not go backwards (a monotonic clock). Per tick, liveness and eviction cost the devices that
 * fell silent, not the registry's size.
 *
 * <p>Only a frame with a valid tag registers a device; a status for a device not in the registry
 * is counted ({@link Rejection#STATUS_UNREGISTERED}) and ignored, and a device with no authenticated
 * frame for {@link GatewayConfig#evictAfterNanos} is evicted, so fakes cannot fill the registry
 * for good. Commands carry the process's {@link GatewayConfig#epoch}; an ACK is applied only when
 * its (epoch, correlation id) is a command outstanding here, else refused as {@link Rejection#STALE_ACK}. One thread at a time; allocation-free per accepted telemetry frame once a device is known.
 */
public final class GatewayCore {
    private final GatewayConfig config;
    private final Keyring keyring;
    private Outbox outbox;
    private final FrameCodec codec = new FrameCodec();
    private final Frame frame = new Frame();
    private final Frame outgoing = new Frame();
    private final ByteBuffer encodeBuffer = ByteBuffer.allocate(FrameCodec.MAX_FRAME_BYTES);
    private final ByteBuffer decodeBuffer = ByteBuffer.allocate(GatewayConfig.MAX_PAYLOAD_BYTES);
    private final DeviceTable devices;                                         // lookups by a region of the topic
    private final List<DeviceRecord> devicesInOrder = new ArrayList<>();       // iteration: first-seen order, deterministic
    private final ArrayDeque<DeviceRecord> dirty = new ArrayDeque<>();       // changed since the store took them; at most one entry per device
    private long restored;
    private boolean baselineAtFirstSight;
    private long restoreRefused;
    private final ArrayDeque<String> evictedForStore = new ArrayDeque<>();   // ids the store should forget; at most maxDevices
    private long evictedNotForgotten;
    private final FrameCodec.KeyLookup keyLookup = this::authenticatorFor;
    private final TopicId topicId = new TopicId();
    private static final int ID_START = Topics.PREFIX.length();
    private DeviceRecord lookupRecord;      // the topic's device while decoding, if known
    // ingest queue: a ring of (topic, payload, arrival)
    private final String[] queuedTopic;
    private final byte[][] queuedPayload;
    private final long[] queuedAtNanos;
    private int queueHead;
    private int queueSize;
    // commands
    private final HashMap<Long, Pending> pending = new HashMap<>();              // by correlation id; lookups only
    private final PriorityQueue<Pending> deadlines = new PriorityQueue<>((a, b) ->
            a.deadlineNanos != b.deadlineNanos ? Long.compare(a.deadlineNanos, b.deadlineNanos) : Long.compare(a.correlationId, b.correlationId));
    private long nextCorrelationId = 1;
    // flow control
    private boolean throttled;
    private enum Throttle { NONE, BACKLOG, DROPS }
    private Throttle throttle = Throttle.NONE;
    /** Drops a second (sequence gaps plus broker drops, over {@link DropWatch#WINDOW_SECONDS} s) that throttle the fleet. */
    public static final long DROP_PRESSURE_PER_SECOND = 1;
    /** Seconds without a drop before drop pressure ends. */
    public static final int DROP_QUIET_SECONDS = 5;
    private final DropWatch dropWatch = new DropWatch(DROP_PRESSURE_PER_SECOND, DROP_QUIET_SECONDS);
    // counters
    private final long[] rejected = new long[Rejection.values().size()];
    private long framesIn;
    private long telemetryAccepted;
    private final SilenceWatch silenceWatch = new SilenceWatch();
    private final EvictionWatch evictionWatch = new EvictionWatch();
    private long evicted;
    /** Evictions per {@link #tick}: each costs a walk of the first-seen list, so a mass eviction is spread over ticks. */
    static final int EVICTIONS_PER_TICK_MAX = 256;
    private long resyncs;
    private long acksAccepted;
    private long statusUpdates;
    private long statusOverruled; // "offline" statuses a later signed frame proved wrong
    private long commandsSent;
    private long commandsAcked;
    private long commandsTimedOut;
    private long commandsRefused;
    private long throttles;
    private long throttlesOnDrops;
    private long releases;
    private long creditFramesSent;
    private int peakBacklog;

    private record Pending(long correlationId, DeviceRecord device, CommandCode command, int argument, long sentAtNanos,
                           long deadlineNanos) {}

    /** The outcome of {@link #sendCommand}. */
    public record Submission(long correlationId, Refusal refusal) {
        public boolean accepted() {
            return refusal == null;
        }
    }

    /** Why a command was not sent. */
    public enum Refusal { UNKNOWN_DEVICE, TOO_MANY_OUTSTANDING }

    public GatewayCore(GatewayConfig config, Keyring keyring, Outbox outbox) {
        this.config = Objects.requireNonNull(config, "config");
        this.keyring = Objects.requireNonNull(keyring, "keyring");
        this.outbox = Objects.requireNonNull(outbox, "outbox");
        this.devices = new DeviceTable(config.maxDevices());
        this.queuedTopic = new String[config.ingestCapacity()];
        this.queuedPayload = new byte[config.ingestCapacity()][];
        this.queuedAtNanos = new long[config.ingestCapacity()];
    }

    /** Points the core's outputs at another shell (a restarted MQTT verticle keeps the core's books). */
    public void attach(Outbox next) {
        this.outbox = Objects.requireNonNull(next, "outbox");
    }

    // ---- ingest --------------------------------------------------------------------------------

    /** Queues a message for {@link #drain}; false (counted as {@link Rejection#INGEST_FULL}) when the queue is full. */
    public boolean enqueue(long nowNanos, String topic, byte[] payload) {
        if (queueSize == queuedTopic.length) {
            framesIn++;
            rejected[Rejection.INGEST_FULL.ordinal()]++;
            return false;
        }
        int slot = queueHead + queueSize;
        if (slot >= queuedTopic.length) slot -= queuedTopic.length;
        queuedTopic[slot] = topic;
        queuedPayload[slot] = payload;
        queuedAtNanos[slot] = nowNanos;
        queueSize++;
        if (queueSize > peakBacklog) peakBacklog = queueSize;
        flowControl(nowNanos);
        return true;
    }

    /** Processes up to {@code maxFrames} queued messages; returns how many. */
    public int drain(long nowNanos, int maxFrames) {
        int done = 0;
        while (queueSize > 0 && done < maxFrames) {
            String topic = queuedTopic[queueHead];
            byte[] payload = queuedPayload[queueHead];
            long queuedAt = queuedAtNanos[queueHead];
            queuedTopic[queueHead] = null;
            queuedPayload[queueHead] = null;
            queueHead = queueHead + 1 == queuedTopic.length ? 0 : queueHead + 1;
            queueSize--;
            handle(nowNanos, topic, payload);
            outbox.processed(nowNanos - queuedAt);
            done++;
        }
        if (done > 0) flowControl(nowNanos);
        return done;
    }

    /** Handles one MQTT message now; returns null when accepted, else why not (also counted). */
    public Rejection handle(long nowNanos, String topic, byte[] payload) {
        framesIn++;
        Rejection rejection = process(nowNanos, topic, payload);
        if (rejection != null) rejected[rejection.ordinal()]++;
        return rejection;
    }

    private Rejection process(long nowNanos, String topic, byte[] payload) {
        if (topic == null || payload == null) return Rejection.BAD_TOPIC;
        if (payload.length > GatewayConfig.MAX_PAYLOAD_BYTES) return Rejection.OVERSIZED;
        int idEnd = Topics.deviceIdEnd(topic);
        Topics.Kind kind = idEnd < 0 ? null : Topics.kindAfter(topic, idEnd);
        if (kind == null) return Rejection.BAD_TOPIC;
        switch (kind) {
            case STATUS:
                return status(nowNanos, topic.substring(ID_START, idEnd), payload);
            case TELEMETRY:
            case ACK:
                return frame(nowNanos, topic, idEnd, kind, payload);
            default:
                return Rejection.WRONG_KIND; // cmd and flow are the gateway's own outputs
        }
    }

    private Rejection status(long nowNanos, String deviceId, byte[] payload) {
        String text = new String(payload, StandardCharsets.UTF_8);
        if (!text.equals(Topics.STATUS_ONLINE) && !text.equals(Topics.STATUS_OFFLINE)) return Rejection.BAD_STATUS;
        DeviceRecord record = devices.get(deviceId);
        if (record == null) return Rejection.STATUS_UNREGISTERED; // a status has no tag: it cannot register anyone
        record.status = text.equals(Topics.STATUS_ONLINE) ? Topics.STATUS_ONLINE : Topics.STATUS_OFFLINE;
        if (record.status == Topics.STATUS_ONLINE) {
            seen(record, nowNanos);
            if (throttled) sendCredit(record, nowNanos);
        }
        statusUpdates++;
        return null;
    }

    private Rejection frame(long nowNanos, String topic, int idEnd, Topics.Kind kind, byte[] payload) {
        DeviceRecord record = devices.get(topic, ID_START, idEnd);
        lookupRecord = record;
        decodeBuffer.clear();
        decodeBuffer.put(payload).flip(); // a copy of at most 180 bytes instead of a ByteBuffer per frame
        DecodeResult result = codec.decodeAndVerify(decodeBuffer, frame, keyLookup);
        lookupRecord = null;
        if (result != DecodeResult.OK) return Rejection.of(result);
        topicId.of(topic, idEnd);
        if (!frame.deviceIdEquals(topicId)) return Rejection.ID_MISMATCH;
        FrameType expected = kind == Topics.Kind.TELEMETRY ? FrameType.TELEMETRY : FrameType.ACK;
        if (frame.type() != expected) return Rejection.WRONG_TYPE;
        if (record == null) {
            record = admit(topic.substring(ID_START, idEnd), nowNanos);
            if (record == null) return Rejection.DEVICE_LIMIT;
        }
        if (expected == FrameType.ACK) return ack(nowNanos, record);
        markDirty(record); // every verdict changes the window's books
        long missingBefore = record.sequences.missing();
        SequenceWindow.Verdict verdict = record.sequences.accept(frame.sequence(), frame.timestampMillis());
        long gap = record.sequences.missing() - missingBefore;
        if (gap != 0) dropWatch.gaps(nowNanos, gap); // a late frame fills a gap: reordering, not loss
        if (gap > 0) flowControl(nowNanos);
        switch (verdict) {
            case DUPLICATE:
                return Rejection.REPLAY;
            case TOO_OLD:
                return Rejection.TOO_OLD;
            case TOO_FAR_AHEAD:
                return Rejection.TOO_FAR_AHEAD;
            case RESYNC:
                resyncs++;
                break;
            default:
                break;
        }
        // A status has no tag, a frame does: a new signed frame that arrived after an "offline" status proves the device is
        // up, so a forged or stale "offline" cannot hold a live device offline (a real will comes after the last frame).
        if ((verdict == SequenceWindow.Verdict.NEW || verdict == SequenceWindow.Verdict.RESYNC)
                && Topics.STATUS_OFFLINE.equals(record.status)) {
            record.status = null;
            statusOverruled++;
        }
        evictionWatch.framed(record, nowNanos);
        seen(record, nowNanos);
        record.record(frame, nowNanos);
        telemetryAccepted++;
        return null;
    }

    /**
     * The key lookup while decoding: the key of the device the frame claims to be. A frame signed by
     * its own device but sent on another's topic then verifies, and is refused as {@link Rejection#ID_MISMATCH}.
     */
    private Authenticator authenticatorFor(Frame decoded) {
        if (lookupRecord != null && decoded.deviceIdEquals(lookupRecord.id)) return lookupRecord.authenticator;
        String claimed = decoded.deviceId();
        DeviceRecord known = devices.get(claimed);
        if (known != null) return known.authenticator;
        byte[] key = keyring.keyOf(claimed);
        return key == null ? null : new JcaAuthenticator(key);
    }

    /** Makes a record for a new device, within the cap; null when it has no key or the registry is full. */
    private DeviceRecord admit(String deviceId, long nowNanos) {
        if (devices.size() >= config.maxDevices()) return null;
        byte[] key = keyring.keyOf(deviceId);
        if (key == null) return null;
        DeviceRecord record = new DeviceRecord(deviceId, new JcaAuthenticator(key), config.historyPerDevice(), config.replayWindow(),
                config.maxJumpAhead(), nowNanos);
        if (baselineAtFirstSight) record.sequences.baselineAtFirstSight();
        record.lastSeenNanos = 0;
        devices.put(record);
        devicesInOrder.add(record);
        evictionWatch.framed(record, nowNanos); // admitted on a frame whose tag verified
        if (throttled) sendCredit(record, nowNanos);
        return record;
    }

    private Rejection ack(long nowNanos, DeviceRecord record) {
        // The ACK is bound to one command: this process's epoch, the id, and the device it was sent to, all under the tag.
        Pending command = frame.epoch() == config.epoch() ? pending.get(frame.correlationId()) : null;
        if (command == null || command.device != record) return Rejection.STALE_ACK;
        evictionWatch.framed(record, nowNanos);
        pending.remove(command.correlationId);
        deadlines.remove(command);
        record.outstandingCommands--;
        seen(record, nowNanos);
        acksAccepted++;
        commandsAcked++;
        outbox.commandCompleted(new CommandResult(command.correlationId, record.id, command.command, command.argument,
                CommandResult.Outcome.ACKED, frame.status(), command.sentAtNanos, nowNanos));
        return null;
    }

    /** The device id level of a topic as a CharSequence, reused: comparing it allocates nothing. */
    private static final class TopicId implements CharSequence {
        private String topic;
        private int end;

        void of(String topicText, int idEnd) {
            this.topic = topicText;
            this.end = idEnd;
        }

        @Override public int length() { return end - ID_START; }
        @Override public char charAt(int index) { return topic.charAt(ID_START + index); }
        @Override public CharSequence subSequence(int start, int stop) { return topic.subSequence(ID_START + start, ID_START + stop); }
        @Override public String toString() { return topic.substring(ID_START, end); }
    }

    // ---- commands ------------------------------------------------------------------------------

    /** Sends {@code command} to a known device; the result arrives through {@link Outbox#commandCompleted}. */
    public Submission sendCommand(long nowNanos, String deviceId, CommandCode command, int argument) {
        Objects.requireNonNull(command, "command");
        DeviceRecord record = deviceId == null ? null : devices.get(deviceId);
        if (record == null) {
            commandsRefused++;
            return new Submission(0, Refusal.UNKNOWN_DEVICE);
        }
        if (record.outstandingCommands >= config.maxOutstandingPerDevice()) {
            commandsRefused++;
            return new Submission(0, Refusal.TOO_MANY_OUTSTANDING);
        }
        long correlationId = nextCorrelationId;
        nextCorrelationId = nextCorrelationId == Frame.U32_MAX ? 1 : nextCorrelationId + 1;
        outgoing.reset(FrameType.COMMAND, record.id, nextDeviceSequence(record), nowNanos / 1_000_000L).command(config.epoch(), correlationId, command, argument);
        outbox.publish(Topics.cmd(record.id), encode(record), 1, false);
        Pending entry = new Pending(correlationId, record, command, argument, nowNanos, nowNanos + config.commandTimeoutNanos());
        pending.put(correlationId, entry);
        deadlines.add(entry);
        record.outstandingCommands++;
        commandsSent++;
        return new Submission(correlationId, null);
    }

    private long nextDeviceSequence(DeviceRecord record) {
        long sequence = record.commandSequence;
        record.commandSequence = sequence == Frame.U32_MAX ? 0 : sequence + 1;
        markDirty(record);
        return sequence;
    }

    private byte[] encode(DeviceRecord record) {
        encodeBuffer.clear();
        int length = codec.encode(outgoing, record.authenticator, encodeBuffer);
        return Arrays.copyOf(encodeBuffer.array(), length);
    }

    // ---- durable books -------------------------------------------------------------------------

    private void markDirty(DeviceRecord record) {
        if (record.dirty) return;
        record.dirty = true;
        dirty.addLast(record);
        assert dirty.size() <= devices.size() : "a device is in the dirty list twice";
    }

    /**
     * Moves up to {@code max} devices whose books changed since the last call into {@code into}, in
     * the order they changed; the shell saves them ({@link DeviceRecord#sequences()},
     * {@link DeviceRecord#commandSequence()}) to its durable store. Returns how many.
     */
    public int takeDirty(List<DeviceRecord> into, int max) {
        int taken = 0;
        while (taken < max && !dirty.isEmpty()) {
            DeviceRecord record = dirty.pollFirst();
            record.dirty = false;
            into.add(record);
            taken++;
        }
        return taken;
    }

    /** The store could not save {@code deviceId}'s books: they go into the next batch again (unknown ids are ignored). */
    public void keepDirty(String deviceId) {
        DeviceRecord record = deviceId == null ? null : devices.get(deviceId);
        if (record != null) markDirty(record);
    }

    /** Devices whose books changed since the store last took them. */
    public int dirtyDevices() {
        return dirty.size();
    }

    /**
     * Registers a device with books a previous process saved: its sequence window (as
     * {@link SequenceWindow#saveTo} wrote it) and command sequence. False, counted, when the
     * device has no key now, is already known, the registry is full or the window does not fit.
     */
    public boolean restore(long nowNanos, String deviceId, long commandSequence, long[] window) {
        if (deviceId == null || devices.get(deviceId) != null || devices.size() >= config.maxDevices() || keyring.keyOf(deviceId) == null
                || commandSequence < 0 || commandSequence > Frame.U32_MAX) {
            restoreRefused++;
            return false;
        }
        DeviceRecord record = new DeviceRecord(deviceId, new JcaAuthenticator(keyring.keyOf(deviceId)), config.historyPerDevice(),
                config.replayWindow(), config.maxJumpAhead(), nowNanos);
        if (!record.sequences.restore(window)) {
            restoreRefused++;
            return false;
        }
        record.lastSeenNanos = 0;
        record.commandSequence = commandSequence;
        devices.put(record);
        devicesInOrder.add(record);
        evictionWatch.framed(record, nowNanos); // a restored device that stays silent is evicted like any other
        restored++;
        return true;
    }

    /**
     * Makes every device admitted from now on start its books at the first frame seen, counting
     * nothing below it missing: for a shell that restarted without its books (no durable store),
     * whose first sight of a device is wherever the previous process stopped. Without it a first
     * sequence number below the window counts the numbers below it as lost (devices start at 0).
     */
    public void baselineAtFirstSight() {
        baselineAtFirstSight = true;
    }

    /** Devices {@link #restore} registered. */
    public long restored() { return restored; }
    /** Saved devices {@link #restore} refused. */
    public long restoreRefused() { return restoreRefused; }

    // ---- time ----------------------------------------------------------------------------------

    /** Times out commands and marks silent devices stale; call at least once per command timeout. */
    public void tick(long nowNanos) {
        Pending due;
        while ((due = deadlines.peek()) != null && due.deadlineNanos <= nowNanos) {
            deadlines.poll();
            pending.remove(due.correlationId);
            due.device.outstandingCommands--;
            commandsTimedOut++;
            outbox.commandCompleted(new CommandResult(due.correlationId, due.device.id, due.command, due.argument,
                    CommandResult.Outcome.TIMED_OUT, null, due.sentAtNanos, nowNanos));
        }
        silenceWatch.markStale(nowNanos, config.samplePeriodNanos() * config.stalePeriods(), Topics.STATUS_OFFLINE);
        DeviceRecord silent;
        for (int n = 0; n < EVICTIONS_PER_TICK_MAX && (silent = evictionWatch.pollSilent(nowNanos, config.evictAfterNanos())) != null; n++) {
            evict(silent);
        }
        flowControl(nowNanos); // drop pressure ends with time, not only with traffic
    }

    /**
     * The broker's cumulative drop counter ({@code $SYS/broker/publish/messages/dropped} on
     * Mosquitto) read {@code counter} at {@code nowNanos}: its rise counts as broker drops and
     * feeds flow control.
     */
    public void brokerDropCounter(long nowNanos, long counter) {
        dropWatch.brokerCounter(nowNanos, counter);
        flowControl(nowNanos);
    }

    /** Forgets a device: its books, its place in the registry. A later authenticated frame admits it again. */
    private void evict(DeviceRecord record) {
        assert record.outstandingCommands == 0 : "evicting a device with commands outstanding";
        silenceWatch.remove(record);
        devices.remove(record);
        devicesInOrder.remove(record); // O(registry), once per eviction; iteration order stays first-seen
        if (record.dirty) {
            dirty.remove(record);     // O(registry), once per eviction
            record.dirty = false;
        }
        if (evictedForStore.size() < config.maxDevices()) evictedForStore.addLast(record.id);
        else evictedNotForgotten++; // the shell has not taken evictions for a whole registry's worth: its store keeps this one
        evicted++;
    }

    /** Moves the ids of devices evicted since the last call into {@code into}: the shell removes them from its store. */
    public int takeEvicted(List<String> into) {
        int taken = evictedForStore.size();
        while (!evictedForStore.isEmpty()) into.add(evictedForStore.pollFirst());
        return taken;
    }

    /** Evictions the durable store was not told of (its list was full); those devices come back at the next start. */
    public long evictedNotForgotten() { return evictedNotForgotten; }

    private void seen(DeviceRecord record, long nowNanos) {
        record.seen(nowNanos);
        silenceWatch.seen(record);
    }

    /** When the next command times out, or {@link Long#MAX_VALUE}. */
    public long nextDeadlineNanos() {
        Pending first = deadlines.peek();
        return first == null ? Long.MAX_VALUE : first.deadlineNanos;
    }

    // ---- flow control --------------------------------------------------------------------------

    /**
     * Throttles the fleet when the local backlog reaches the high watermark or when drops the
     * gateway cannot see in its queue (sequence gaps, the broker's drop counter) keep coming; lifts
     * it when the backlog is at the low watermark and the drops have stopped ({@link DropWatch}).
     *
     * <p>The two causes throttle differently. A backlog means the gateway itself cannot keep up, so
     * devices get the configured policy (no credit: a pause, unless a throttled rate is set). Drops
     * alone may be the broker's queue overflowing, or devices that lost readings of their own (an
     * outage, a full queue) and show the gaps as they come back; pausing them would make them drop
     * more and hide their gaps, and slowing them below their own sampling rate would too (a fleet
     * sampling faster than the configured period fell behind for good in the fault suite), so drops
     * throttle only when the policy has a throttled rate, and then slow devices to it. Without one,
     * drops are counted and reported ({@link #brokerDropped}, {@link #dropsPerSecond}) but do not steer.
     */
    private void flowControl(long nowNanos) {
        GatewayConfig.Flow flow = config.flow();
        if (!flow.enabled()) return;
        // Drops steer only with a throttled rate to slow devices to: pausing them would make them drop more and hide their gaps.
        boolean dropping = dropWatch.pressing(nowNanos) && flow.throttledRateMilliHz() > 0;
        Throttle target;
        if (queueSize >= flow.highWatermark() || (throttle == Throttle.BACKLOG && queueSize > flow.lowWatermark())) target = Throttle.BACKLOG;
        else if (dropping) target = Throttle.DROPS;
        else if (throttle == Throttle.DROPS && queueSize > flow.lowWatermark()) target = Throttle.DROPS;
        else target = Throttle.NONE;
        if (target == throttle) return;
        if (throttle == Throttle.NONE) throttles++;
        if (target == Throttle.DROPS && throttle == Throttle.NONE) throttlesOnDrops++;
        if (target == Throttle.NONE) releases++;
        throttle = target;
        throttled = target != Throttle.NONE;
        for (DeviceRecord record : devicesInOrder) sendCredit(record, 0);
    }

    private void sendCredit(DeviceRecord record, long nowNanos) {
        if (Topics.STATUS_OFFLINE.equals(record.status)) return; // it will ask again when it comes back online
        long configured = config.flow().throttledRateMilliHz();
        long rate = switch (throttle) {
            case NONE -> Frame.U32_MAX;
            case BACKLOG -> configured;
            case DROPS -> configured;
        };
        long credits = rate > 0 ? Frame.U32_MAX : 0;
        if (rate == 0) rate = Frame.U32_MAX; // paused by credits, not by rate
        outgoing.reset(FrameType.CREDIT, record.id, nextDeviceSequence(record), nowNanos / 1_000_000L).credit(credits, rate);
        outbox.publish(Topics.flow(record.id), encode(record), 1, false);
        creditFramesSent++;
    }

    // ---- reading -------------------------------------------------------------------------------

    public GatewayConfig config() { return config; }
    public int devices() { return devices.size(); }
    public DeviceRecord device(String id) { return devices.get(id); }
    /** Every device in first-seen order. */
    public List<DeviceRecord> devicesInOrder() { return Collections.unmodifiableList(devicesInOrder); }
    public long rejected(Rejection reason) { return rejected[reason.ordinal()]; }
    public long rejectedTotal() { long total = 0; for (long n : rejected) total += n; return total; }
    public long framesIn() { return framesIn; }
    public long telemetryAccepted() { return telemetryAccepted; }
    public long acksAccepted() { return acksAccepted; }
    public long statusUpdates() { return statusUpdates; }
    /** "offline" statuses that a newer signed frame from the same device overruled (a forged or stale status). */
    public long statusOverruled() { return statusOverruled; }
    public long commandsSent() { return commandsSent; }
    public long commandsAcked() { return commandsAcked; }
    public long commandsTimedOut() { return commandsTimedOut; }
    public long commandsRefused() { return commandsRefused; }
    public int commandsOutstanding() { return pending.size(); }
    public boolean throttled() { return throttled; }
    public long throttles() { return throttles; }
    /** Throttles started while drops were coming (whatever the backlog). */
    public long throttlesOnDrops() { return throttlesOnDrops; }
    /** Messages the broker reported dropping since the gateway first read its counter. */
    public long brokerDropped() { return dropWatch.brokerDropped(); }
    /** Sequence gaps plus broker drops per second, over the last {@link DropWatch#WINDOW_SECONDS} s up to {@code nowNanos}. */
    public double dropsPerSecond(long nowNanos) { return dropWatch.dropsPerSecond(nowNanos); }
    public long releases() { return releases; }
    public long creditFramesSent() { return creditFramesSent; }
    /** Devices evicted for sending no authenticated frame for {@link GatewayConfig#evictAfterNanos}. */
    public long evicted() { return evicted; }
    /** Counter restarts recognised (a frame behind the highest sequence, signed later than the newest accepted). */
    public long resyncs() { return resyncs; }
    /** The epoch this process puts in its commands. */
    public long epoch() { return config.epoch(); }
    public int backlog() { return queueSize; }
    public int peakBacklog() { return peakBacklog; }

    /** Sequence numbers missing over every device. */
    public long missingTotal() { long n = 0; for (DeviceRecord d : devicesInOrder) n += d.sequences.missing(); return n; }
    public long duplicatesTotal() { long n = 0; for (DeviceRecord d : devicesInOrder) n += d.sequences.duplicates(); return n; }
    /** Frames the sequence windows received, over every device, restored books included. */
    public long receivedTotal() { long n = 0; for (DeviceRecord d : devicesInOrder) n += d.sequences.received(); return n; }
    public long reorderedTotal() { long n = 0; for (DeviceRecord d : devicesInOrder) n += d.sequences.reordered(); return n; }
    public long staleDevices() { long n = 0; for (DeviceRecord d : devicesInOrder) if (d.stale) n++; return n; }
}
