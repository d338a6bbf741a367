package dev.storyloop.protocol;

import java.nio.charset.StandardCharsets;

/**
 * One frame, decoded or about to be encoded: a mutable, reusable value (so decoding allocates nothing).
 *
 * <p>The layout on the wire is documented in {@link FrameCodec}. Setters validate, so a frame that
 * was built without an exception always encodes.
 */
public final class Frame {
    public static final int MAGIC = 0x534C; // "SL"
    public static final int VERSION = 2;
    public static final int TAG_BYTES = 16;
    public static final int MAX_READINGS = 16;
    public static final long U32_MAX = 0xFFFF_FFFFL;

    private FrameType type;
    private final byte[] deviceId = new byte[DeviceIds.MAX_LENGTH];
    private int deviceIdLength;
    private String deviceIdString;
    private String checkedId; // the last id reset() found valid: a device resets its frame with the same String each time
    private long sequence;
    private long timestampMillis;
    // TELEMETRY
    private int readingCount;
    private final Sensor[] sensors = new Sensor[MAX_READINGS];
    private final int[] values = new int[MAX_READINGS];
    // COMMAND and ACK: (epoch, correlationId) names one command of one gateway process
    private long epoch;
    private long correlationId;
    private CommandCode command;
    private int argument;
    private AckStatus status;
    // CREDIT
    private long credits;
    private long rateMilliHz;

    /** Starts a frame of {@code type} from {@code deviceId}; clears every payload field. */
    public Frame reset(FrameType type, String deviceId, long sequence, long timestampMillis) {
        if (type == null) throw new IllegalArgumentException("type is null");
        if (deviceId == null || deviceId != checkedId) { // a String does not change: the same one is still valid
            DeviceIds.require(deviceId);
            checkedId = deviceId;
        }
        if (sequence < 0 || sequence > U32_MAX) throw new IllegalArgumentException("sequence is not a u32: " + sequence);
        this.type = type;
        for (int i = 0; i < deviceId.length(); i++) this.deviceId[i] = (byte) deviceId.charAt(i);
        this.deviceIdLength = deviceId.length();
        this.deviceIdString = deviceId;
        this.sequence = sequence;
        this.timestampMillis = timestampMillis;
        this.readingCount = 0;
        this.epoch = 0;
        this.correlationId = 0;
        this.command = null;
        this.argument = 0;
        this.status = null;
        this.credits = 0;
        this.rateMilliHz = 0;
        return this;
    }

    public Frame addReading(Sensor sensor, int valueMilli) {
        requireType(FrameType.TELEMETRY);
        if (sensor == null) throw new IllegalArgumentException("sensor is null");
        if (readingCount == MAX_READINGS) throw new IllegalArgumentException("a frame holds at most " + MAX_READINGS + " readings");
        sensors[readingCount] = sensor;
        values[readingCount] = valueMilli;
        readingCount++;
        return this;
    }

    /**
     * Makes this a command of gateway process {@code epoch} (u32) with that process's {@code correlationId}
     * (u32): the pair never repeats, so a device's dedupe and the gateway's ack check compare both.
     */
    public Frame command(long epoch, long correlationId, CommandCode command, int argument) {
        requireType(FrameType.COMMAND);
        this.epoch = requireU32(epoch, "epoch");
        this.correlationId = requireU32(correlationId, "correlation id");
        if (command == null) throw new IllegalArgumentException("command is null");
        this.command = command;
        this.argument = argument;
        return this;
    }

    /** Answers the command {@code (epoch, correlationId)}: an ack echoes both, under the device's tag. */
    public Frame ack(long epoch, long correlationId, AckStatus status) {
        requireType(FrameType.ACK);
        this.epoch = requireU32(epoch, "epoch");
        this.correlationId = requireU32(correlationId, "correlation id");
        if (status == null) throw new IllegalArgumentException("status is null");
        this.status = status;
        return this;
    }

    /** {@code credits} frames may be sent; at most {@code rateMilliHz}/1000 per second ({@link #U32_MAX}: no limit). */
    public Frame credit(long credits, long rateMilliHz) {
        requireType(FrameType.CREDIT);
        this.credits = requireU32(credits, "credits");
        this.rateMilliHz = requireU32(rateMilliHz, "rate");
        return this;
    }

    private void requireType(FrameType expected) {
        if (type != expected) throw new IllegalStateException("a " + type + " frame has no " + expected + " payload");
    }

    private static long requireU32(long value, String what) {
        if (value < 0 || value > U32_MAX) throw new IllegalArgumentException(what + " is not a u32: " + value);
        return value;
    }

    // ---- used by the codec while decoding (no validation beyond what the codec did) ----

    void decoded(FrameType type, long sequence, long timestampMillis) {
        this.type = type;
        this.sequence = sequence;
        this.timestampMillis = timestampMillis;
        this.readingCount = 0;
        this.command = null;
        this.status = null;
    }

    byte[] deviceIdBytes() { return deviceId; }

    void deviceIdLength(int length) {
        if (deviceIdString != null && !sameId(deviceIdString, length)) deviceIdString = null;
        this.deviceIdLength = length;
    }

    void readingDecoded(Sensor sensor, int value) { sensors[readingCount] = sensor; values[readingCount++] = value; }
    void commandDecoded(long epochValue, long corr, CommandCode code, int arg) { epoch = epochValue; correlationId = corr; command = code; argument = arg; }
    void ackDecoded(long epochValue, long corr, AckStatus ackStatus) { epoch = epochValue; correlationId = corr; status = ackStatus; }
    void creditDecoded(long creditCount, long rate) { credits = creditCount; rateMilliHz = rate; }

    private boolean sameId(String id, int length) {
        if (id.length() != length) return false;
        for (int i = 0; i < length; i++) if (id.charAt(i) != (deviceId[i] & 0xFF)) return false;
        return true;
    }

    // ---- reading ----

    public FrameType type() { return type; }

    /** The device id; the String is made once and reused while frames from the same device are decoded. */
    public String deviceId() {
        if (deviceIdString == null) deviceIdString = new String(deviceId, 0, deviceIdLength, StandardCharsets.US_ASCII);
        return deviceIdString;
    }

    /** Compares the device id without making a String. */
    public boolean deviceIdEquals(CharSequence id) {
        if (id.length() != deviceIdLength) return false;
        for (int i = 0; i < deviceIdLength; i++) if (id.charAt(i) != (deviceId[i] & 0xFF)) return false;
        return true;
    }

    public int deviceIdLength() { return deviceIdLength; }
    public long sequence() { return sequence; }
    public long timestampMillis() { return timestampMillis; }
    public int readingCount() { return readingCount; }
    public Sensor sensor(int i) { checkReading(i); return sensors[i]; }
    public int value(int i) { checkReading(i); return values[i]; }
    /** The gateway process a COMMAND comes from, or an ACK answers (u32). */
    public long epoch() { return epoch; }
    public long correlationId() { return correlationId; }
    public CommandCode command() { return command; }
    public int argument() { return argument; }
    public AckStatus status() { return status; }
    public long credits() { return credits; }
    public long rateMilliHz() { return rateMilliHz; }

    private void checkReading(int i) {
        if (i < 0 || i >= readingCount) throw new IndexOutOfBoundsException("reading " + i + " of " + readingCount);
    }

    /** The canonical description used by the test vectors, e.g. {@code TELEMETRY device=pi-1 seq=7 ts=1 readings=TEMPERATURE:21500}. */
    @Override
    public String toString() {
        StringBuilder out = new StringBuilder();
        out.append(type).append(" device=").append(deviceId()).append(" seq=").append(sequence).append(" ts=").append(timestampMillis);
        switch (type) {
            case TELEMETRY:
                out.append(" readings=");
                for (int i = 0; i < readingCount; i++) {
                    if (i > 0) out.append(',');
                    out.append(sensors[i]).append(':').append(values[i]);
                }
                break;
            case COMMAND:
                out.append(" epoch=").append(epoch).append(" corr=").append(correlationId).append(" cmd=").append(command).append(" arg=").append(argument);
                break;
            case ACK:
                out.append(" epoch=").append(epoch).append(" corr=").append(correlationId).append(" status=").append(status);
                break;
            case CREDIT:
                out.append(" credits=").append(credits).append(" rate-mhz=").append(rateMilliHz);
                break;
            default:
                throw new AssertionError(type);
        }
        return out.toString();
    }
}
