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
    // Recent readings: a ring of up to `capacity` frames in one array, a frame a row of FRAME_HEADER longs (sequence,
    // device time, receipt time, reading count) and then a long a reading (sensor << 32 | value). A row is as wide as
    // the widest frame seen: a meter's frames all carry the same four readings, so a row is 8 longs rather than room
    // for Frame.MAX_READINGS, and a frame touches one array instead of six. The ring starts at RING_INITIAL frames and
    // doubles when full up to `capacity`: at its full size from the start it was 3.7 kB of every device, most of a
    // fleet's gateway, for devices that had sent a few readings.
    static final int RING_INITIAL = 4;
    private static final int FRAME_HEADER = 4;
    private final int capacity;
    private long[] ring;
    private int ringFrames;   // rows the array holds
    private int rowWidth;     // longs a row: FRAME_HEADER + the most readings a frame has carried
    private int ringNext;
    private int ringSize;
    // aggregates per sensor, over every accepted reading: count, sum, min and max of a sensor side by side
    private static final int COUNT = 0, SUM = 1, MIN = 2, MAX = 3, AGGREGATE = 4;
    private final long[] aggregates = new long[SENSORS * AGGREGATE];
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
        for (int s = 0; s < SENSORS; s++) {
            aggregates[s * AGGREGATE + MIN] = Integer.MAX_VALUE;
            aggregates[s * AGGREGATE + MAX] = Integer.MIN_VALUE;
        }
    }

    /** Lays the ring out again with {@code frames} rows of {@code width} longs, its frames oldest first from row 0. */
    private void relayRing(int frames, int width) {
        long[] old = ring;
        int oldWidth = rowWidth;
        ring = new long[frames * width];
        for (int i = 0; i < ringSize; i++) {
            int from = Math.floorMod(ringNext - ringSize + i, ringFrames); // the oldest frame first
            System.arraycopy(old, from * oldWidth, ring, i * width, oldWidth);
        }
        ringFrames = frames;
        rowWidth = width;
        ringNext = ringSize == frames ? 0 : ringSize;
    }

    /** Records an accepted telemetry frame's readings. */
    void record(Frame frame, long nowNanos) {
        int readings = frame.readingCount();
        if (ring == null) {
            ringFrames = Math.min(RING_INITIAL, capacity);
            rowWidth = FRAME_HEADER + readings;
            ring = new long[ringFrames * rowWidth];
        } else if (FRAME_HEADER + readings > rowWidth) {
            relayRing(ringSize == ringFrames ? Math.min(ringFrames * 2, capacity) : ringFrames, FRAME_HEADER + readings);
        } else if (ringSize == ringFrames && ringSize < capacity) {
            relayRing(Math.min(ringFrames * 2, capacity), rowWidth);
        }
        long[] r = ring;
        int row = ringNext * rowWidth;
        r[row] = frame.sequence();
        r[row + 1] = frame.timestampMillis();
        r[row + 2] = nowNanos;
        r[row + 3] = readings;
        long[] a = aggregates;
        for (int i = 0; i < readings; i++) {
            int s = frame.sensor(i).ordinal();
            int value = frame.value(i);
            r[row + FRAME_HEADER + i] = (long) s << 32 | (value & 0xFFFF_FFFFL);
            int at = s * AGGREGATE;
            a[at + COUNT]++;
            a[at + SUM] += value;
            if (value < a[at + MIN]) a[at + MIN] = value;
            if (value > a[at + MAX]) a[at + MAX] = value;
        }
        ringNext = ringNext + 1 == ringFrames ? 0 : ringNext + 1;
        if (ringSize < ringFrames) ringSize++;
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
            int row = Math.floorMod(ringNext - 1 - i, ringFrames) * rowWidth; // newest first
            int readings = (int) ring[row + 3];
            Sensor[] sensors = new Sensor[readings];
            int[] values = new int[readings];
            for (int r = 0; r < readings; r++) {
                long reading = ring[row + FRAME_HEADER + r];
                sensors[r] = Sensor.values()[(int) (reading >>> 32)];
                values[r] = (int) reading;
            }
            recent[i] = new Reading(ring[row], ring[row + 1], ring[row + 2], sensors, values);
        }
        Aggregate[] perSensor = new Aggregate[SENSORS];
        for (Sensor sensor : Sensor.values()) {
            int at = sensor.ordinal() * AGGREGATE;
            long count = aggregates[at + COUNT];
            perSensor[sensor.ordinal()] = count == 0 ? new Aggregate(sensor, 0, 0, 0, 0)
                    : new Aggregate(sensor, count, (int) aggregates[at + MIN], (int) aggregates[at + MAX], (double) aggregates[at + SUM] / count);
        }
        return new Snapshot(id, liveness(), firstSeenNanos, lastSeenNanos, sequences.received(), sequences.missing(),
                sequences.duplicates(), sequences.reordered(), sequences.tooOld(), sequences.highestSequence(),
                outstandingCommands, recent, perSensor);
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
