package dev.storyloop.bench;

import dev.storyloop.device.sim.BrokerLimits;
import dev.storyloop.device.sim.ClientListener;
import dev.storyloop.device.sim.LinkProfile;
import dev.storyloop.device.sim.Message;
import dev.storyloop.device.sim.SimClient;
import dev.storyloop.device.sim.SimWorld;
import dev.storyloop.protocol.Authenticator;
import dev.storyloop.protocol.DecodeResult;
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
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * A telemetry frame end to end through the simulated world, against the codec's own cost.
 *
 * <p>{@code world}: one of 1,000 device clients (each also subscribed to its own command topic)
 * encodes and tags a frame, publishes it over its uplink; the simulated broker routes it; the
 * gateway client receives it over its downlink (acknowledging QoS 1), copies it into its receive
 * buffer and decodes and verifies it. {@code codecOnly}: the same encode, tag, copy, decode and
 * verify with no world around them. The ratio codecOnly / world says how much the world adds: 0.5
 * means it costs as much as the codec.
 *
 * <p>Nothing is allocated per message on either side, as a device with a fixed memory budget
 * would have it: each device keeps two {@link Message}s over payload arrays of its frame's size
 * and encodes into the one it did not send last. A message is reused two rounds after it was sent;
 * each round runs until the gateway has every frame of the round, which is longer than a QoS 1
 * PUBACK takes back to the broker and to the device, so neither still holds it then (and a frame
 * overwritten too early would fail the gateway's verification, which stops the benchmark).
 * Whatever {@code world} allocates is the world's own cost per message.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class SimWorldBench {
    private static final int DEVICES = 1_000;

    @Param({"0", "1"})
    public int qos;

    private final FrameCodec deviceCodec = new FrameCodec();
    private final FrameCodec gatewayCodec = new FrameCodec();
    private final Frame outgoing = new Frame();
    private final Frame incoming = new Frame();
    private final ByteBuffer encodeBuffer = ByteBuffer.allocate(FrameCodec.MAX_FRAME_BYTES);
    private final ByteBuffer receiveBuffer = ByteBuffer.allocate(FrameCodec.MAX_FRAME_BYTES);
    private Authenticator authenticator;
    private FrameCodec.KeyLookup keys;
    private SimWorld world;
    private SimClient[] devices;
    private String[] ids;
    private Message[][] messages; // per device, the two it alternates between
    private long received;
    private long rejected;
    private long sequence;
    private int round;

    @Setup(Level.Trial)
    public void setUp() {
        authenticator = new JcaAuthenticator("bench-fleet-key".getBytes(StandardCharsets.US_ASCII));
        keys = frame -> authenticator;
        world = new SimWorld(1, BrokerLimits.MOSQUITTO_DEFAULTS, LinkProfile.lan());
        SimClient gateway = world.client("gateway", new ClientListener() {
            @Override
            public void onMessage(Message message, int packetId, boolean duplicate, long nowNanos) {
                if (receive(message.payload()) == DecodeResult.OK) received++; else rejected++;
            }
        });
        gateway.connect(false, 60, null);
        devices = new SimClient[DEVICES];
        ids = new String[DEVICES];
        messages = new Message[DEVICES][];
        for (int i = 0; i < DEVICES; i++) {
            String id = "dev-" + i;
            ids[i] = id;
            devices[i] = world.client(id, new ClientListener() {});
            devices[i].connect(true, 60, null);
            String topic = Topics.telemetry(id);
            int length = encode(i);
            messages[i] = new Message[] {new Message(topic, new byte[length], qos, false), new Message(topic, new byte[length], qos, false)};
        }
        world.runFor(10_000_000L);
        gateway.subscribe(Topics.Kind.TELEMETRY.allDevicesFilter(), 1);
        for (int i = 0; i < DEVICES; i++) devices[i].subscribe(Topics.cmd("dev-" + i), 1);
        world.runFor(10_000_000L);
    }

    /** Encodes and tags device {@code device}'s next frame into {@link #encodeBuffer}; returns its length. */
    private int encode(int device) {
        outgoing.reset(FrameType.TELEMETRY, ids[device], sequence++ & Frame.U32_MAX, sequence)
                .addReading(Sensor.TEMPERATURE, 21_500).addReading(Sensor.HUMIDITY, 40_200).addReading(Sensor.BATTERY, 3_300);
        encodeBuffer.clear();
        return deviceCodec.encode(outgoing, authenticator, encodeBuffer);
    }

    /** Encodes device {@code device}'s next frame into {@code payload}, which must be the frame's size. */
    private void encodeInto(int device, byte[] payload) {
        int length = encode(device);
        if (length != payload.length) throw new IllegalStateException("frame of " + length + " B for a " + payload.length + " B message");
        encodeBuffer.flip().get(payload);
    }

    /** The gateway's side: the frame copied into its receive buffer, decoded and verified. */
    private DecodeResult receive(byte[] payload) {
        receiveBuffer.clear();
        receiveBuffer.put(payload).flip();
        return gatewayCodec.decodeAndVerify(receiveBuffer, incoming, keys);
    }

    @Benchmark
    @OperationsPerInvocation(DEVICES)
    public long world() {
        long target = received + DEVICES;
        int which = round++ & 1;
        for (int i = 0; i < DEVICES; i++) {
            Message message = messages[i][which];
            encodeInto(i, message.payload());
            devices[i].publish(message);
        }
        world.runUntil(() -> received >= target, world.nowNanos() + 10_000_000_000L);
        if (received < target || rejected > 0) {
            throw new IllegalStateException((target - received) + " frames missing, " + rejected + " rejected: " + world.broker().stats().droppedByReason());
        }
        return received;
    }

    @Benchmark
    @OperationsPerInvocation(DEVICES)
    public long codecOnly() {
        long ok = 0;
        int which = round++ & 1;
        for (int i = 0; i < DEVICES; i++) {
            byte[] payload = messages[i][which].payload();
            encodeInto(i, payload);
            if (receive(payload) == DecodeResult.OK) ok++;
        }
        return ok;
    }
}
