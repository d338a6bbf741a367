package dev.storyloop.protocol;

import java.nio.BufferOverflowException;
import java.nio.ByteBuffer;

/**
 * Encodes and decodes frame v2; strict, allocation-free, never throws on input.
 *
 * <p>Layout (all integers big-endian; L = device id length, P = payload length):
 * <pre>
 * offset   size  field
 * 0        2     magic 0x53 0x4C ("SL")
 * 2        1     version, 2 (v1 had no epoch in COMMAND and ACK)
 * 3        1     type: 1 TELEMETRY, 2 COMMAND, 3 ACK, 4 CREDIT
 * 4        1     L, 1..64
 * 5        L     device id, ASCII [A-Za-z0-9_-]
 * 5+L      4     sequence, u32 per device (wraps)
 * 9+L      8     device timestamp, i64 milliseconds
 * 17+L     2     P, u16; must equal the type's payload size
 * 19+L     P     payload:
 *                  TELEMETRY  u8 count (1..16), then count x (u8 sensor, i32 value in milli-units): P = 1 + 5 count
 *                  COMMAND    u32 gateway epoch, u32 correlation id, u8 command, i32 argument: P = 13
 *                  ACK        u32 gateway epoch, u32 correlation id, u8 status: P = 9
 *                  CREDIT     u32 credits, u32 rate in milli-frames per second (0xFFFFFFFF: no limit): P = 8
 * 19+L+P   16    tag: HMAC-SHA256 over bytes [0, 19+L+P) with the device's key, first 16 bytes
 * </pre>
 * A frame is exactly one MQTT payload: bytes after the tag make it {@link DecodeResult#TOO_LONG}.
 * Decoding reads only between the buffer's position and limit. One codec per thread.
 */
public final class FrameCodec {
    public static final int HEADER_BYTES = 19;            // without the device id
    public static final int COMMAND_PAYLOAD_BYTES = 13;
    public static final int ACK_PAYLOAD_BYTES = 9;
    public static final int CREDIT_PAYLOAD_BYTES = 8;
    public static final int MAX_PAYLOAD_BYTES = 1 + 5 * Frame.MAX_READINGS;
    public static final int MAX_FRAME_BYTES = HEADER_BYTES + DeviceIds.MAX_LENGTH + MAX_PAYLOAD_BYTES + Frame.TAG_BYTES;
    /** The smallest frame: a one-character id and the smallest payload, a telemetry frame with one reading (6 bytes). */
    public static final int MIN_FRAME_BYTES = HEADER_BYTES + 1 + 6 + Frame.TAG_BYTES;

    /** One thread's encoding buffer and expected tag, shared by every codec on it (a fleet has one or two codecs a device). */
    private static final class Scratch {
        final byte[] frame = new byte[MAX_FRAME_BYTES];
        final byte[] expectedTag = new byte[Frame.TAG_BYTES];
    }

    private static final PerThread<Scratch> SCRATCH = new PerThread<>(Scratch::new);

    /** Finds the authenticator of the device a decoded frame claims to come from; null when unknown. */
    @FunctionalInterface
    public interface KeyLookup {
        Authenticator forDevice(Frame frame);
    }

    /** The encoded size of {@code frame}. */
    public static int encodedLength(Frame frame) {
        return HEADER_BYTES + frame.deviceIdLength() + payloadLength(frame.type(), frame.readingCount()) + Frame.TAG_BYTES;
    }

    private static int payloadLength(FrameType type, int readings) {
        switch (type) {
            case TELEMETRY: return 1 + 5 * readings;
            case COMMAND: return COMMAND_PAYLOAD_BYTES;
            case ACK: return ACK_PAYLOAD_BYTES;
            case CREDIT: return CREDIT_PAYLOAD_BYTES;
            default: throw new AssertionError(type);
        }
    }

    /**
     * Writes {@code frame} at {@code out}'s position and advances it; returns the bytes written.
     *
     * @throws BufferOverflowException when {@code out} has less room than {@link #encodedLength}
     * @throws IllegalStateException when the frame is incomplete (a telemetry frame without readings, …)
     */
    public int encode(Frame frame, Authenticator authenticator, ByteBuffer out) {
        int length = encodedLength(frame);
        if (out.remaining() < length) throw new BufferOverflowException();
        byte[] b = SCRATCH.get().frame;
        int n = encodeInto(frame, authenticator, b);
        out.put(b, 0, n);
        return n;
    }

    /**
     * {@code frame} encoded into a new array of exactly {@link #encodedLength} bytes: what a publish
     * takes, with no buffer of the caller's in between.
     *
     * @throws IllegalStateException when the frame is incomplete (a telemetry frame without readings, …)
     */
    public byte[] encode(Frame frame, Authenticator authenticator) {
        byte[] b = SCRATCH.get().frame;
        int n = encodeInto(frame, authenticator, b);
        return java.util.Arrays.copyOf(b, n);
    }

    /** Writes the frame and its tag at the start of {@code b} (this thread's scratch); returns the length. */
    private static int encodeInto(Frame frame, Authenticator authenticator, byte[] b) {
        int length = encodedLength(frame);
        checkComplete(frame);
        int n = 0;
        b[n++] = (byte) (Frame.MAGIC >>> 8);
        b[n++] = (byte) Frame.MAGIC;
        b[n++] = (byte) Frame.VERSION;
        b[n++] = (byte) frame.type().code();
        b[n++] = (byte) frame.deviceIdLength();
        System.arraycopy(frame.deviceIdBytes(), 0, b, n, frame.deviceIdLength());
        n += frame.deviceIdLength();
        n = putU32(b, n, frame.sequence());
        n = putI64(b, n, frame.timestampMillis());
        int payload = payloadLength(frame.type(), frame.readingCount());
        b[n++] = (byte) (payload >>> 8);
        b[n++] = (byte) payload;
        switch (frame.type()) {
            case TELEMETRY:
                b[n++] = (byte) frame.readingCount();
                for (int i = 0; i < frame.readingCount(); i++) {
                    b[n++] = (byte) frame.sensor(i).code();
                    n = putU32(b, n, frame.value(i) & Frame.U32_MAX);
                }
                break;
            case COMMAND:
                n = putU32(b, n, frame.epoch());
                n = putU32(b, n, frame.correlationId());
                b[n++] = (byte) frame.command().code();
                n = putU32(b, n, frame.argument() & Frame.U32_MAX);
                break;
            case ACK:
                n = putU32(b, n, frame.epoch());
                n = putU32(b, n, frame.correlationId());
                b[n++] = (byte) frame.status().code();
                break;
            case CREDIT:
                n = putU32(b, n, frame.credits());
                n = putU32(b, n, frame.rateMilliHz());
                break;
            default:
                throw new AssertionError(frame.type());
        }
        authenticator.tag(b, 0, n, b, n);
        n += Frame.TAG_BYTES;
        assert n == length : "encoded " + n + " bytes, expected " + length;
        return n;
    }

    private static void checkComplete(Frame frame) {
        switch (frame.type()) {
            case TELEMETRY:
                if (frame.readingCount() == 0) throw new IllegalStateException("a telemetry frame needs at least one reading");
                break;
            case COMMAND:
                if (frame.command() == null) throw new IllegalStateException("a command frame needs a command");
                break;
            case ACK:
                if (frame.status() == null) throw new IllegalStateException("an ack frame needs a status");
                break;
            default:
                break;
        }
    }

    /**
     * Decodes the frame between {@code in}'s position and limit into {@code into}, checking its
     * structure but not its tag. On {@link DecodeResult#OK} the position moves to the limit; on a
     * rejection it does not move and {@code into} holds no meaning.
     */
    public DecodeResult decode(ByteBuffer in, Frame into) {
        int start = in.position();
        int available = in.limit() - start;
        if (available < MIN_FRAME_BYTES) return DecodeResult.TOO_SHORT;
        if (available > MAX_FRAME_BYTES) return DecodeResult.TOO_LONG;
        if ((in.get(start) & 0xFF) != (Frame.MAGIC >>> 8) || (in.get(start + 1) & 0xFF) != (Frame.MAGIC & 0xFF)) {
            return DecodeResult.BAD_MAGIC;
        }
        if ((in.get(start + 2) & 0xFF) != Frame.VERSION) return DecodeResult.UNKNOWN_VERSION;
        FrameType type = FrameType.ofCode(in.get(start + 3) & 0xFF);
        if (type == null) return DecodeResult.UNKNOWN_TYPE;
        int idLength = in.get(start + 4) & 0xFF;
        if (idLength == 0 || idLength > DeviceIds.MAX_LENGTH) return DecodeResult.BAD_DEVICE_ID;
        if (available < HEADER_BYTES + idLength + Frame.TAG_BYTES) return DecodeResult.TOO_SHORT;
        byte[] id = into.deviceIdBytes();
        for (int i = 0; i < idLength; i++) {
            byte c = in.get(start + 5 + i);
            if (!DeviceIds.isIdChar(c & 0xFF)) return DecodeResult.BAD_DEVICE_ID;
            id[i] = c;
        }
        into.deviceIdLength(idLength);
        int n = start + 5 + idLength;
        long sequence = getU32(in, n);
        long timestamp = getI64(in, n + 4);
        int payload = ((in.get(n + 12) & 0xFF) << 8) | (in.get(n + 13) & 0xFF);
        n += 14;
        int total = HEADER_BYTES + idLength + payload + Frame.TAG_BYTES;
        if (payload > MAX_PAYLOAD_BYTES) return DecodeResult.BAD_PAYLOAD_LENGTH;
        if (available < total) return DecodeResult.TOO_SHORT;
        if (available > total) return DecodeResult.TOO_LONG;
        into.decoded(type, sequence, timestamp);
        switch (type) {
            case TELEMETRY: {
                if (payload < 6) return DecodeResult.BAD_PAYLOAD_LENGTH;
                int count = in.get(n) & 0xFF;
                if (count == 0 || count > Frame.MAX_READINGS) return DecodeResult.BAD_PAYLOAD;
                if (payload != 1 + 5 * count) return DecodeResult.BAD_PAYLOAD_LENGTH;
                for (int i = 0; i < count; i++) {
                    Sensor sensor = Sensor.ofCode(in.get(n + 1 + 5 * i) & 0xFF);
                    if (sensor == null) return DecodeResult.BAD_PAYLOAD;
                    into.readingDecoded(sensor, (int) getU32(in, n + 2 + 5 * i));
                }
                break;
            }
            case COMMAND: {
                if (payload != COMMAND_PAYLOAD_BYTES) return DecodeResult.BAD_PAYLOAD_LENGTH;
                CommandCode code = CommandCode.ofCode(in.get(n + 8) & 0xFF);
                if (code == null) return DecodeResult.BAD_PAYLOAD;
                into.commandDecoded(getU32(in, n), getU32(in, n + 4), code, (int) getU32(in, n + 9));
                break;
            }
            case ACK: {
                if (payload != ACK_PAYLOAD_BYTES) return DecodeResult.BAD_PAYLOAD_LENGTH;
                AckStatus status = AckStatus.ofCode(in.get(n + 8) & 0xFF);
                if (status == null) return DecodeResult.BAD_PAYLOAD;
                into.ackDecoded(getU32(in, n), getU32(in, n + 4), status);
                break;
            }
            case CREDIT: {
                if (payload != CREDIT_PAYLOAD_BYTES) return DecodeResult.BAD_PAYLOAD_LENGTH;
                into.creditDecoded(getU32(in, n), getU32(in, n + 4));
                break;
            }
            default:
                throw new AssertionError(type);
        }
        in.position(in.limit());
        return DecodeResult.OK;
    }

    /**
     * Checks the tag of the frame between {@code in}'s position and limit (already decoded OK, so
     * its length is known to be right), in constant time.
     */
    public DecodeResult verify(ByteBuffer in, int frameStart, Authenticator authenticator) {
        int length = in.limit() - frameStart;
        if (length < MIN_FRAME_BYTES || length > MAX_FRAME_BYTES) return DecodeResult.BAD_TAG;
        int signed = length - Frame.TAG_BYTES;
        Scratch scratch = SCRATCH.get();
        byte[] expectedTag = scratch.expectedTag;
        byte[] bytes;
        int offset;
        if (in.hasArray()) {
            bytes = in.array();
            offset = in.arrayOffset() + frameStart;
        } else {
            in.get(frameStart, scratch.frame, 0, length);
            bytes = scratch.frame;
            offset = 0;
        }
        authenticator.tag(bytes, offset, signed, expectedTag, 0);
        int difference = 0;
        for (int i = 0; i < Frame.TAG_BYTES; i++) difference |= expectedTag[i] ^ bytes[offset + signed + i];
        return difference == 0 ? DecodeResult.OK : DecodeResult.BAD_TAG;
    }

    /** Decodes, finds the device's key and checks the tag; the position moves only on OK. */
    public DecodeResult decodeAndVerify(ByteBuffer in, Frame into, KeyLookup keys) {
        int start = in.position();
        DecodeResult structure = decode(in, into);
        if (structure != DecodeResult.OK) return structure;
        Authenticator authenticator = keys.forDevice(into);
        DecodeResult result = authenticator == null ? DecodeResult.UNKNOWN_DEVICE : verify(in, start, authenticator);
        if (result != DecodeResult.OK) in.position(start);
        return result;
    }

    private static int putU32(byte[] b, int n, long value) {
        b[n] = (byte) (value >>> 24);
        b[n + 1] = (byte) (value >>> 16);
        b[n + 2] = (byte) (value >>> 8);
        b[n + 3] = (byte) value;
        return n + 4;
    }

    private static int putI64(byte[] b, int n, long value) {
        for (int i = 7; i >= 0; i--) {
            b[n + i] = (byte) value;
            value >>>= 8;
        }
        return n + 8;
    }

    // Byte by byte, so the caller's buffer order does not matter.
    private static long getU32(ByteBuffer in, int index) {
        return ((long) (in.get(index) & 0xFF) << 24) | ((in.get(index + 1) & 0xFF) << 16)
                | ((in.get(index + 2) & 0xFF) << 8) | (in.get(index + 3) & 0xFF);
    }

    private static long getI64(ByteBuffer in, int index) {
        return (getU32(in, index) << 32) | getU32(in, index + 4);
    }
}
