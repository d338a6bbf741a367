package dev.storyloop.bench;

import dev.storyloop.gateway.core.GatewayConfig;
import dev.storyloop.gateway.core.GatewayCore;
import dev.storyloop.gateway.core.Keyring;
import dev.storyloop.gateway.core.Outbox;
import dev.storyloop.gateway.core.Rejection;
import dev.storyloop.protocol.DeviceKeys;
import dev.storyloop.protocol.Frame;
import dev.storyloop.protocol.FrameCodec;
import dev.storyloop.protocol.FrameType;
import dev.storyloop.protocol.JcaAuthenticator;
import dev.storyloop.protocol.Sensor;
import dev.storyloop.protocol.Topics;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;

/**
 * The gateway core's cost per telemetry frame: topic parse, registry lookup, decode, HMAC verify,
 * sequence accounting and the readings ring, for a fleet of known devices.
 *
 * <p>Frames are made up front ({@value #FRAMES_TOTAL} in all, consecutive sequence numbers per
 * device, sent round-robin across the devices), and a fresh core is made for each iteration, so
 * every frame measured is new to the core (the accept path, not the replay path). An iteration
 * of one second handles well under the frames prepared.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "-Xmx2g")
public class GatewayCoreBench {
    static final int FRAMES_TOTAL = 1 << 21;
    static final int ITERATIONS_MAX = 16; // warm-up and measurement together; more reuse a core (its frames then replay)

    @Param({"1", "1000"})
    int devices;

    private String[] topics;
    private byte[][] payloads;
    private GatewayCore[] cores;
    private int iteration;
    private GatewayCore core;
    private int next;
    private long now;

    @Setup(Level.Trial)
    public void makeFrames() {
        int perDevice = FRAMES_TOTAL / devices;
        int total = perDevice * devices;
        topics = new String[total];
        payloads = new byte[total][];
        FrameCodec codec = new FrameCodec();
        Frame frame = new Frame();
        ByteBuffer buffer = ByteBuffer.allocate(FrameCodec.MAX_FRAME_BYTES);
        JcaAuthenticator[] keys = new JcaAuthenticator[devices];
        for (int d = 0; d < devices; d++) keys[d] = new JcaAuthenticator(DeviceKeys.development("dev-" + d));
        int i = 0;
        for (int s = 0; s < perDevice; s++) {
            for (int d = 0; d < devices; d++) {
                String id = "dev-" + d;
                frame.reset(FrameType.TELEMETRY, id, s, s).addReading(Sensor.TEMPERATURE, 21_500).addReading(Sensor.HUMIDITY, 40_200)
                        .addReading(Sensor.BATTERY, 3_300);
                buffer.clear();
                int length = codec.encode(frame, keys[d], buffer);
                topics[i] = new String(Topics.telemetry(id)); // a new String per message, as an MQTT client delivers them
                payloads[i] = Arrays.copyOf(buffer.array(), length);
                i++;
            }
        }
        makeCores();
    }

    private void makeCores() {
        // One core per iteration, made now: an iteration's own setup then allocates nothing the GC profiler could count.
        cores = new GatewayCore[ITERATIONS_MAX];
        for (int c = 0; c < cores.length; c++) {
            cores[c] = new GatewayCore(GatewayConfig.defaults().withMaxDevices(devices), Keyring.development(), Outbox.NONE);
            for (int d = 0; d < devices; d++) cores[c].handle(0, topics[d], payloads[d]); // every device known: steady state
        }
    }

    @Setup(Level.Iteration)
    public void freshCore() {
        core = cores[iteration++ % cores.length];
        next = devices;
    }

    @Benchmark
    public Rejection handleTelemetry() {
        int i = next;
        next = i + 1 == topics.length ? devices : i + 1; // (would replay after the last: not reached within an iteration)
        return core.handle(now++, topics[i], payloads[i]);
    }
}
