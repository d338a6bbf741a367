package dev.storyloop.protocol;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;

/**
 * Prints the test vector files. Run once when the format changes, review the diff, commit:
 * {@code java -cp protocol/target/classes:protocol/target/test-classes dev.storyloop.protocol.VectorGenerator}.
 * The tests then hold every later codec to these bytes.
 */
final class VectorGenerator {
    private static final HexFormat HEX = HexFormat.of();

    public static void main(String[] args) {
        if (args.length == 1 && args[0].equals("rejected")) rejected(); else valid();
    }

    static byte[] key(String deviceId) {
        return ("storyloop-demo-key-" + deviceId).getBytes(StandardCharsets.US_ASCII);
    }

    static byte[] encode(Frame frame) {
        ByteBuffer out = ByteBuffer.allocate(FrameCodec.MAX_FRAME_BYTES);
        new FrameCodec().encode(frame, new JcaAuthenticator(key(frame.deviceId())), out);
        byte[] bytes = new byte[out.position()];
        out.flip().get(bytes);
        return bytes;
    }

    private static void line(String name, byte[] key, byte[] bytes, String expected) {
        System.out.println(name + "\t" + (key == null ? "-" : HEX.formatHex(key)) + "\t" + HEX.formatHex(bytes) + "\t" + expected);
    }

    static Frame[] frames() {
        return new Frame[] {
            new Frame().reset(FrameType.TELEMETRY, "pi-1", 7, 1_764_158_400_000L)
                    .addReading(Sensor.TEMPERATURE, 21_500).addReading(Sensor.HUMIDITY, 40_200),
            new Frame().reset(FrameType.TELEMETRY, "sensor_0042", 4_294_967_295L, 0)
                    .addReading(Sensor.BATTERY, 3_300).addReading(Sensor.COUNTER, -1).addReading(Sensor.TEMPERATURE, -12_250),
            new Frame().reset(FrameType.TELEMETRY, "a", 0, -1).addReading(Sensor.COUNTER, Integer.MAX_VALUE),
            new Frame().reset(FrameType.COMMAND, "pi-1", 12, 1_764_158_401_000L).command(1, 42, CommandCode.BLINK, 3),
            new Frame().reset(FrameType.COMMAND, "pi-1", 13, 1_764_158_402_000L).command(4_294_967_295L, 4_294_967_295L, CommandCode.SET_SAMPLE_PERIOD, 250),
            new Frame().reset(FrameType.ACK, "pi-1", 8, 1_764_158_401_050L).ack(1, 42, AckStatus.OK),
            new Frame().reset(FrameType.ACK, "pi-1", 9, 1_764_158_402_050L).ack(3_000_000_000L, 43, AckStatus.BAD_ARGUMENT),
            new Frame().reset(FrameType.CREDIT, "pi-1", 1, 1_764_158_403_000L).credit(100, 5_000),
            new Frame().reset(FrameType.CREDIT, "pi-1", 2, 1_764_158_404_000L).credit(0, Frame.U32_MAX),
            new Frame().reset(FrameType.TELEMETRY, "x".repeat(64), 1, 1).addReading(Sensor.HUMIDITY, 1),
            new Frame().reset(FrameType.ACK, "a", 0, 0).ack(1, 1, AckStatus.OK),
            new Frame().reset(FrameType.TELEMETRY, "x".repeat(64), 2, 2).addReading(Sensor.TEMPERATURE, 1).addReading(Sensor.HUMIDITY, 2)
                    .addReading(Sensor.BATTERY, 3).addReading(Sensor.COUNTER, 4).addReading(Sensor.TEMPERATURE, 5).addReading(Sensor.HUMIDITY, 6)
                    .addReading(Sensor.BATTERY, 7).addReading(Sensor.COUNTER, 8).addReading(Sensor.TEMPERATURE, 9).addReading(Sensor.HUMIDITY, 10)
                    .addReading(Sensor.BATTERY, 11).addReading(Sensor.COUNTER, 12).addReading(Sensor.TEMPERATURE, 13).addReading(Sensor.HUMIDITY, 14)
                    .addReading(Sensor.BATTERY, 15).addReading(Sensor.COUNTER, 16),
        };
    }

    private static void valid() {
        System.out.println("# name\tkey (hex)\tframe (hex)\tdecoded (Frame.toString)");
        String[] names = {"telemetry-two-readings", "telemetry-max-sequence", "telemetry-one-char-id", "command-blink",
                "command-max-correlation", "ack-ok", "ack-bad-argument", "credit-rate", "credit-stop", "telemetry-64-char-id",
                "ack-one-char-id", "telemetry-largest"};
        Frame[] frames = frames();
        for (int i = 0; i < frames.length; i++) line(names[i], key(frames[i].deviceId()), encode(frames[i]), frames[i].toString());
    }

    private static byte[] mutate(byte[] bytes, int index, int value) {
        byte[] copy = bytes.clone();
        copy[index] = (byte) value;
        return copy;
    }

    private static void rejected() {
        System.out.println("# name\tkey (hex, - for no key)\tbytes (hex)\texpected rejection (DecodeResult.reason)");
        Frame telemetry = frames()[0];
        byte[] good = encode(telemetry);
        byte[] key = key("pi-1");
        int idLength = 4;
        line("empty", key, new byte[0], "too-short");
        line("truncated-tag", key, java.util.Arrays.copyOf(good, good.length - 1), "too-short");
        line("trailing-byte", key, java.util.Arrays.copyOf(good, good.length + 1), "too-long");
        line("oversized", key, new byte[FrameCodec.MAX_FRAME_BYTES + 1], "too-long");
        line("bad-magic", key, mutate(good, 0, 'X'), "bad-magic");
        line("version-1", key, mutate(good, 2, 1), "unknown-version");
        line("version-3", key, mutate(good, 2, 3), "unknown-version");
        line("type-9", key, mutate(good, 3, 9), "unknown-type");
        line("id-length-0", key, mutate(good, 4, 0), "bad-device-id");
        line("id-length-65", key, mutate(good, 4, 65), "bad-device-id");
        line("id-with-slash", key, mutate(good, 6, '/'), "bad-device-id");
        line("id-with-plus", key, mutate(good, 5, '+'), "bad-device-id");
        line("payload-length-short", key, mutate(good, 18 + idLength, 10), "too-long");
        line("payload-length-huge", key, mutate(good, 17 + idLength, 0xFF), "bad-payload-length");
        line("reading-count-0", key, mutate(good, 19 + idLength, 0), "bad-payload");
        line("reading-count-3", key, mutate(good, 19 + idLength, 3), "bad-payload-length");
        line("unknown-sensor", key, mutate(good, 20 + idLength, 99), "bad-payload");
        byte[] command = encode(frames()[3]);
        line("unknown-command", key, mutate(command, 19 + idLength + 8, 77), "bad-payload");
        byte[] ack = encode(frames()[5]);
        line("unknown-ack-status", key, mutate(ack, 19 + idLength + 8, 200), "bad-payload");
        line("changed-ack-epoch", key, mutate(ack, 19 + idLength, ack[19 + idLength] ^ 1), "bad-tag");
        line("forged-tag", key, mutate(good, good.length - 1, good[good.length - 1] ^ 1), "bad-tag");
        line("changed-reading", key, mutate(good, 24 + idLength, good[24 + idLength] ^ 0x40), "bad-tag");
        line("wrong-key", "another-key".getBytes(StandardCharsets.US_ASCII), good, "bad-tag");
        line("unknown-device", null, good, "unknown-device");
    }
}
