package dev.storyloop.gateway;

import dev.storyloop.protocol.AckStatus;
import dev.storyloop.protocol.DeviceKeys;
import dev.storyloop.protocol.Frame;
import dev.storyloop.protocol.FrameCodec;
import dev.storyloop.protocol.FrameType;
import dev.storyloop.protocol.JcaAuthenticator;
import dev.storyloop.protocol.Sensor;

import java.nio.ByteBuffer;
import java.util.Arrays;

/** Frames as the development fleet's devices make them, for tests that play the devices. */
final class Frames {
    private Frames() {}

    static byte[] telemetry(String id, long sequence) {
        return sign(new Frame().reset(FrameType.TELEMETRY, id, sequence, sequence).addReading(Sensor.TEMPERATURE, 21_000)
                .addReading(Sensor.COUNTER, (int) sequence), id);
    }

    static byte[] ack(String id, long epoch, long correlationId, AckStatus status) {
        return sign(new Frame().reset(FrameType.ACK, id, 0, 0).ack(epoch, correlationId, status), id);
    }

    /** Encodes {@code frame} with {@code keyOf}'s key (another device's key makes a forgery). */
    static byte[] sign(Frame frame, String keyOf) {
        ByteBuffer out = ByteBuffer.allocate(FrameCodec.MAX_FRAME_BYTES);
        int length = new FrameCodec().encode(frame, new JcaAuthenticator(DeviceKeys.development(keyOf)), out);
        return Arrays.copyOf(out.array(), length);
    }

    static Frame decode(byte[] payload) {
        Frame frame = new Frame();
        new FrameCodec().decode(ByteBuffer.wrap(payload), frame);
        return frame;
    }
}
