package dev.storyloop.bench;

import dev.storyloop.protocol.Authenticator;
import dev.storyloop.protocol.DecodeResult;
import dev.storyloop.protocol.Frame;
import dev.storyloop.protocol.FrameCodec;
import dev.storyloop.protocol.FrameType;
import dev.storyloop.protocol.JcaAuthenticator;
import dev.storyloop.protocol.Sensor;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * The wire cost of one telemetry frame (3 readings, 59 bytes): encode with its HMAC tag, then
 * decode and verify the tag, as the device and the gateway do; and each half alone.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class CodecBench {
    private final FrameCodec codec = new FrameCodec();
    private final Frame outgoing = new Frame();
    private final Frame incoming = new Frame();
    private final ByteBuffer buffer = ByteBuffer.allocate(FrameCodec.MAX_FRAME_BYTES);
    private final ByteBuffer encoded = ByteBuffer.allocate(FrameCodec.MAX_FRAME_BYTES);
    private Authenticator authenticator;
    private FrameCodec.KeyLookup keys;
    private long sequence;

    @Setup
    public void setUp() {
        authenticator = new JcaAuthenticator("bench-key-pi-1".getBytes(StandardCharsets.US_ASCII));
        keys = frame -> authenticator;
        codec.encode(frame(0), authenticator, encoded);
        encoded.flip();
    }

    private Frame frame(long seq) {
        return outgoing.reset(FrameType.TELEMETRY, "pi-1", seq, 1_764_158_400_000L + seq)
                .addReading(Sensor.TEMPERATURE, 21_500).addReading(Sensor.HUMIDITY, 40_200).addReading(Sensor.BATTERY, 3_300);
    }

    @Benchmark
    public DecodeResult encodeDecodeVerify() {
        buffer.clear();
        codec.encode(frame(sequence++ & Frame.U32_MAX), authenticator, buffer);
        buffer.flip();
        return codec.decodeAndVerify(buffer, incoming, keys);
    }

    @Benchmark
    public int encodeWithTag() {
        buffer.clear();
        return codec.encode(frame(sequence++ & Frame.U32_MAX), authenticator, buffer);
    }

    @Benchmark
    public DecodeResult decodeAndVerify() {
        encoded.position(0);
        return codec.decodeAndVerify(encoded, incoming, keys);
    }
}
