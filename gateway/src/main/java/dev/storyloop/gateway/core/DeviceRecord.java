package dev.storyloop.gateway.core;

import dev.storyloop.protocol.Authenticator;
import dev.storyloop.protocol.Frame;
import dev.storyloop.protocol.Sensor;

/**
 * What the gateway knows about one device: when it was seen, whether it is online or stale, its
 * sequence accounting, its last readings (a bounded ring) and running aggregates per sensor.
 * Owned by the core's thread; the shells read it through {@link #snapshot}.
 */
public final class DeviceRecord {
    /** Liveness as the gateway judges it. */
    public enum Liveness { ONLINE, OFFLINE, STALE, UNKNOWN }

    private static final int SENSORS = Sensor.values().length;

    final String id;
    final Authenticator authenticator;
    final SequenceWindow sequences;
    long firstSeenNanos;
    long lastSeenNanos;
    String status;            // last retained status payload: "online" / "offline", or null
    boolean stale;
    long staleTransitions;
    DeviceRecord watchPrev, watchNext; // SilenceWatch's list
    boolean watched;
    DeviceRecord evictPrev, evictNext; // EvictionWatch's list
    boolean evictWatched;
    long lastFrameNanos;      // the last authenticated frame (statuses are not authenticated)
    // recent readings: ring of up to `capacity` frames, each up to Frame.MAX_READINGS values. The ring starts at
    // RING_INITIAL frames and doubles when full up to `capacity`: at its full size from the start it was 3.7 kB of
    // every device, most of a fleet's gateway, for devices that had sent a few readings.
    static final int RING_INITIAL = 4;
    private final int capacity;
    private long[] ringSequence;
    private long[] ringDeviceMillis;
    private long[] ringReceivedNanos;
    private int[] ringCount;
    private byte[] ringSensor;
    private int[] ringValue;
    private int ringNext;
    private int ringSize;
    // aggregates per sensor, over every accepted reading
    private final long[] count = new long[SENSORS];
    private final long[] sum = new long[SENSORS];
    private final int[] min = new int[SENSORS];
    private final int[] max = new int[SENSORS];
    int outstandingCommands;
    long commandSequence;
    boolean dirty;            // changed since the durable store last took it (see GatewayCore#takeDirty)

    DeviceRecord(String id, Authenticator authenticator, int history, int replayWindow, long maxJumpAhead, long nowNanos) {
        this.id = id;
        this.authenticator = authenticator;
        this.sequences = new SequenceWindow(replayWindow, maxJumpAhead);
        this.firstSeenNanos = nowNanos;
        this.lastSeenNanos = nowNanos;
        this.capacity = history;
        allocateRing(Math.min(RING_INITIAL, history));
        java.util.Arrays.fill(min, Integer.MAX_VALUE);
        java.util.Arrays.fill(max, Integer.MIN_VALUE);
    }

    private void allocateRing(int frames) {
        ringSequence = new long[frames];
        ringDeviceMillis = new long[frames];
        ringReceivedNanos = new long[frames];
        ringCount = new int[frames];
        ringSensor = new byte[frames * Frame.MAX_READINGS];
        ringValue = new int[frames * Frame.MAX_READINGS];
    }

    /** Doubles the full ring, up to {@code capacity}, keeping its frames oldest first from index 0. */
    private void growRing() {
        long[] sequence = ringSequence, deviceMillis = ringDeviceMillis, receivedNanos = ringReceivedNanos;
        int[] counts = ringCount, values = ringValue;
        byte[] sensors = ringSensor;
        int length = sequence.length;
        assert ringSize == length : "the ring grows only when full";
        allocateRing(Math.min(length * 2, capacity));
        for (int i = 0; i < length; i++) {
            int from = (ringNext + i) % length; // full: the oldest frame is where the next one would go
            ringSequence[i] = sequence[from];
            ringDeviceMillis[i] = deviceMillis[from];
            ringReceivedNanos[i] = receivedNanos[from];
            ringCount[i] = counts[from];
            System.arraycopy(sensors, from * Frame.MAX_READINGS, ringSensor, i * Frame.MAX_READINGS, Frame.MAX_READINGS);
            System.arraycopy(values, from * Frame.MAX_READINGS, ringValue, i * Frame.MAX_READINGS, Frame.MAX_READINGS);
        }
        ringNext = length;
    }

    /** Records an accepted telemetry frame's readings. */
    void record(Frame frame, long nowNanos) {
        if (ringSize == ringSequence.length && ringSize < capacity) growRing();
        int slot = ringNext;
        ringSequence[slot] = frame.sequence();
        ringDeviceMillis[slot] = frame.timestampMillis();
        ringReceivedNanos[slot] = nowNanos;
        int readings = frame.readingCount();
        ringCount[slot] = readings;
        int base = slot * Frame.MAX_READINGS;
        for (int i = 0; i < readings; i++) {
            Sensor sensor = frame.sensor(i);
            int value = frame.value(i);
            ringSensor[base + i] = (byte) sensor.ordinal();
            ringValue[base + i] = value;
            int s = sensor.ordinal();
            count[s]++;
            sum[s] += value;
            if (value < min[s]) min[s] = value;
            if (value > max[s]) max[s] = value;
        }
        ringNext = slot + 1 == ringSequence.length ? 0 : slot + 1;
        if (ringSize < ringSequence.length) ringSize++;
    }

    void seen(long nowNanos) {
        lastSeenNanos = nowNanos;
        stale = false;
    }

    public String id() { return id; }
    public SequenceWindow sequences() { return sequences; }
    public long lastSeenNanos() { return lastSeenNanos; }
    public int outstandingCommands() { return outstandingCommands; }
    /** The sequence number the gateway puts on its next frame to this device. */
    public long commandSequence() { return commandSequence; }

    public Liveness liveness() {
        if ("offline".equals(status)) return Liveness.OFFLINE;
        if (stale) return Liveness.STALE;
        if ("online".equals(status)) return Liveness.ONLINE;
        return lastSeenNanos > 0 || ringSize > 0 ? Liveness.ONLINE : Liveness.UNKNOWN;
    }

    /** A copy for the shells (the HTTP API): safe to hand to another thread. */
    public Snapshot snapshot(int maxReadings) {
        int shown = Math.min(maxReadings, ringSize);
        Reading[] recent = new Reading[shown];
        for (int i = 0; i < shown; i++) {
            int slot = Math.floorMod(ringNext - 1 - i, ringSequence.length); // newest first
            int readings = ringCount[slot];
            Sensor[] sensors = new Sensor[readings];
            int[] values = new int[readings];
            for (int r = 0; r < readings; r++) {
                sensors[r] = Sensor.values()[ringSensor[slot * Frame.MAX_READINGS + r]];
                values[r] = ringValue[slot * Frame.MAX_READINGS + r];
            }
            recent[i] = new Reading(ringSequence[slot], ringDeviceMillis[slot], ringReceivedNanos[slot], sensors, values);
        }
        Aggregate[] aggregates = new Aggregate[SENSORS];
        for (Sensor sensor : Sensor.values()) {
            int s = sensor.ordinal();
            aggregates[s] = count[s] == 0 ? new Aggregate(sensor, 0, 0, 0, 0)
                    : new Aggregate(sensor, count[s], min[s], max[s], (double) sum[s] / count[s]);
        }
        return new Snapshot(id, liveness(), firstSeenNanos, lastSeenNanos, sequences.received(), sequences.missing(),
                sequences.duplicates(), sequences.reordered(), sequences.tooOld(), sequences.highestSequence(),
                outstandingCommands, recent, aggregates);
    }

    /** One telemetry frame's readings. */
    public record Reading(long sequence, long deviceMillis, long receivedNanos, Sensor[] sensors, int[] values) {}

    /** Running statistics of one sensor. */
    public record Aggregate(Sensor sensor, long count, int min, int max, double mean) {}

    /** A device's state at one moment. */
    public record Snapshot(String id, Liveness liveness, long firstSeenNanos, long lastSeenNanos, long received, long missing,
                           long duplicates, long reordered, long tooOld, long highestSequence, int outstandingCommands,
                           Reading[] recent, Aggregate[] aggregates) {}
}
