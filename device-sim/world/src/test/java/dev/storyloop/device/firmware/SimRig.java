package dev.storyloop.device.firmware;

import dev.storyloop.device.diag.Diagnostics;
import dev.storyloop.device.hal.SimBoard;
import dev.storyloop.device.sim.BrokerLimits;
import dev.storyloop.device.sim.ClientListener;
import dev.storyloop.device.sim.Distribution;
import dev.storyloop.device.sim.LinkProfile;
import dev.storyloop.device.sim.Message;
import dev.storyloop.device.sim.SimClient;
import dev.storyloop.device.sim.SimTransport;
import dev.storyloop.device.sim.SimWorld;
import dev.storyloop.protocol.CommandCode;
import dev.storyloop.protocol.DeviceKeys;
import dev.storyloop.protocol.Frame;
import dev.storyloop.protocol.FrameCodec;
import dev.storyloop.protocol.FrameType;
import dev.storyloop.protocol.JcaAuthenticator;
import dev.storyloop.protocol.Topics;

import java.nio.ByteBuffer;
import java.util.Arrays;

/** A simulated world with one firmware device and a gateway-like client that keeps a {@link FrameLedger}. */
final class SimRig {
    static final long MS = 1_000_000L;
    static final long S = 1_000 * MS;
    static final long GATEWAY_RETRY_NANOS = 10 * MS;

    final SimWorld world;
    final SimBoard board;
    final SimTransport transport;
    final Device device;
    final Diagnostics diagnostics;
    final FrameLedger ledger = new FrameLedger();
    final SimClient gateway;
    private final FrameCodec codec = new FrameCodec();

    SimRig(long seed, FirmwareConfig config) {
        this(seed, config, LinkProfile.lan().withLatency(Distribution.constant(2 * MS)));
    }

    SimRig(long seed, FirmwareConfig config, LinkProfile link) {
        world = new SimWorld(seed, BrokerLimits.MOSQUITTO_DEFAULTS.withMaxQueuedMessages(0), link);
        gateway = world.client("gateway", new ClientListener() {
            @Override
            public void onMessage(Message message, int packetId, boolean duplicate, long now) {
                ledger.accept(message.topic(), message.payload());
            }

            @Override
            public void onConnack(boolean sessionPresent, long now) {
                for (Topics.Kind kind : new Topics.Kind[] {Topics.Kind.TELEMETRY, Topics.Kind.ACK, Topics.Kind.STATUS}) {
                    gateway.subscribe(kind.allDevicesFilter(), 1);
                }
            }

            @Override
            public void onClosed(String reason, long now) {
                world.at(now + GATEWAY_RETRY_NANOS, () -> gateway.connect(true, 0, null)); // back soon, and often
            }
        });
        gateway.connect(true, 0, null);
        world.runFor(20 * MS);
        board = new SimBoard(world.clock());
        transport = new SimTransport(world, config.deviceId());
        device = Device.boot(config, world.clock(), transport, board);
        diagnostics = Diagnostics.attach(device.executor());
        world.add(device.executor(), transport);
        device.start();
    }

    void runFor(long nanos) {
        world.runFor(nanos);
    }

    /** A command of gateway epoch 1. */
    void command(long correlationId, CommandCode code, int argument) {
        command(1, correlationId, code, argument);
    }

    void command(long epoch, long correlationId, CommandCode code, int argument) {
        Frame frame = new Frame().reset(FrameType.COMMAND, device.config().deviceId(), 0, 0).command(epoch, correlationId, code, argument);
        send(Topics.cmd(device.config().deviceId()), frame);
    }

    void credit(long credits, long rateMilliHz) {
        Frame frame = new Frame().reset(FrameType.CREDIT, device.config().deviceId(), 0, 0).credit(credits, rateMilliHz);
        send(Topics.flow(device.config().deviceId()), frame);
    }

    void send(String topic, Frame frame) {
        ByteBuffer out = ByteBuffer.allocate(FrameCodec.MAX_FRAME_BYTES);
        int length = codec.encode(frame, new JcaAuthenticator(DeviceKeys.development(frame.deviceId())), out);
        gateway.publish(new Message(topic, Arrays.copyOf(out.array(), length), 1, false));
    }

    String id() {
        return device.config().deviceId();
    }
}
