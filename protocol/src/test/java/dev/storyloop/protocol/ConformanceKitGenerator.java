package dev.storyloop.protocol;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * Prints {@code conformance.tsv} (see {@link ConformanceKit}). The expected reactions are written
 * here by hand, from protocol/README.md: they are the specification the gateway is checked against,
 * not a recording of what it did. Run when the protocol changes on purpose, review the diff, commit:
 * {@code java -cp protocol/target/classes:protocol/target/test-classes dev.storyloop.protocol.ConformanceKitGenerator}.
 */
final class ConformanceKitGenerator {
    private static final HexFormat HEX = HexFormat.of();
    private static final long T0 = 1_764_158_400_000L; // the devices' clock: Unix milliseconds
    private static int step;

    public static void main(String[] args) {
        System.out.println("# storyloop conformance kit, frame v" + Frame.VERSION + ". The gateway runs with epoch " + ConformanceKit.EPOCH
                + " and the development fleet's keys (protocol/README.md).");
        System.out.println("# step\tat-ms\taction\ttopic\tpayload (hex, or text:)\texpected reaction\twhat it shows");
        byte[] first = telemetry("pi-1", 0, T0);
        publish(0, "pi-1", "telemetry", first, "accepted", "a device's first frame registers it; its counter starts at 0");
        publish(10, "pi-1", "telemetry", first, "replay", "the same frame again is a replay, not applied twice");
        byte[] second = telemetry("pi-1", 1, T0 + 1_000);
        publish(1_000, "pi-1", "telemetry", second, "accepted", "the next sequence");
        publish(3_000, "pi-1", "telemetry", telemetry("pi-1", 3, T0 + 3_000), "accepted", "a gap: sequence 2 is counted missing");
        publish(3_010, "pi-1", "telemetry", telemetry("pi-1", 2, T0 + 2_000), "accepted", "sequence 2 arrives late: reordered, no longer missing");
        publish(3_020, "pi-1", "status", "text:online".getBytes(StandardCharsets.UTF_8), "accepted", "a registered device's status");
        publish(3_030, "pi-1", "status", "text:maybe".getBytes(StandardCharsets.UTF_8), "bad-status", "a status is online or offline");
        publish(3_040, "ghost", "status", "text:online".getBytes(StandardCharsets.UTF_8), "status-unregistered",
                "a status carries no tag: it cannot register a device");
        publish(3_050, "pi-2", "telemetry", telemetry("pi-1", 4, T0 + 4_000), "id-mismatch", "pi-1's frame on pi-2's topic");
        publish(3_060, "pi-1", "ack", telemetry("pi-1", 4, T0 + 4_000), "wrong-type", "a telemetry frame on the ack topic");
        byte[] forged = telemetry("pi-1", 4, T0 + 4_000);
        forged[forged.length - 1] ^= 1;
        publish(3_070, "pi-1", "telemetry", forged, "bad-tag", "one bit of the tag flipped");
        publish(3_080, "pi-1", "telemetry", sign(new Frame().reset(FrameType.TELEMETRY, "pi-1", 4, T0 + 4_000)
                .addReading(Sensor.TEMPERATURE, 21_000), "pi-2"), "bad-tag", "signed with another device's key");
        byte[] v1 = telemetry("pi-1", 4, T0 + 4_000);
        v1[2] = 1;
        publish(3_090, "pi-1", "telemetry", v1, "unknown-version", "frame version 1 is no longer accepted");
        publish(3_100, "pi-1", "telemetry", new byte[FrameCodec.MAX_FRAME_BYTES + 1], "oversized", "more than the largest frame, 180 B");
        publish(3_110, "pi-1", "telemetry", new byte[0], "too-short", "an empty message");
        publish(3_120, "pi-1", "cmd", telemetry("pi-1", 4, T0 + 4_000), "wrong-kind", "cmd is the gateway's topic, not a device's");
        publish(3_130, "pi-1", "telemetry", telemetry("pi-1", 3 + (1L << 20) + 1, T0 + 4_000), "too-far-ahead",
                "a jump of more than 2^20 beyond the highest sequence");
        publish(4_000, "pi-1", "telemetry", telemetry("pi-1", 4, T0 + 4_000), "accepted", "the real next frame still gets in");

        command(5_000, "pi-1", 0, 1, CommandCode.BLINK, 3, "the gateway's first command to pi-1: epoch 1, correlation id 1, its own sequence 0");
        publish(5_100, "pi-1", "ack", ack("pi-1", 0, T0 + 5_100, ConformanceKit.EPOCH, 1, AckStatus.OK), "accepted",
                "the ACK echoes epoch and correlation id; ACKs count their own sequence from 0");
        publish(5_200, "pi-1", "ack", ack("pi-1", 0, T0 + 5_100, ConformanceKit.EPOCH, 1, AckStatus.OK), "stale-ack",
                "the same ACK again: its command is no longer outstanding");
        command(6_000, "pi-1", 1, 2, CommandCode.SET_SAMPLE_PERIOD, 500, "the second command: sample every 500 ms");
        publish(6_100, "pi-1", "ack", ack("pi-1", 1, T0 + 6_100, 9, 2, AckStatus.OK), "stale-ack",
                "an ACK naming another gateway process's epoch (a captured or stale one) confirms nothing");
        publish(6_200, "pi-1", "ack", ack("pi-1", 2, T0 + 6_200, ConformanceKit.EPOCH, 2, AckStatus.OK), "accepted", "the right ACK");
        publish(7_000, "pi-1", "telemetry", telemetry("pi-1", 0, T0 + 7_000), "accepted",
                "the device's counter restarted at 0 (reflashed), its clock went on: a resync, counted");
        publish(7_010, "pi-1", "telemetry", second, "replay", "a captured frame from before the restart is refused");
        publish(8_000, "pi-1", "telemetry", telemetry("pi-1", 1, T0 + 8_000), "accepted", "the restarted counter goes on");
    }

    static byte[] telemetry(String id, long sequence, long timestampMillis) {
        return sign(new Frame().reset(FrameType.TELEMETRY, id, sequence, timestampMillis).addReading(Sensor.TEMPERATURE, 21_000 + (int) (sequence % 1000))
                .addReading(Sensor.BATTERY, 3_300), id);
    }

    static byte[] ack(String id, long sequence, long timestampMillis, long epoch, long correlationId, AckStatus status) {
        return sign(new Frame().reset(FrameType.ACK, id, sequence, timestampMillis).ack(epoch, correlationId, status), id);
    }

    static byte[] sign(Frame frame, String keyOf) {
        ByteBuffer out = ByteBuffer.allocate(FrameCodec.MAX_FRAME_BYTES);
        int length = new FrameCodec().encode(frame, new JcaAuthenticator(DeviceKeys.development(keyOf)), out);
        return Arrays.copyOf(out.array(), length);
    }

    private static void publish(long atMillis, String device, String kind, byte[] payload, String expected, String what) {
        String text = new String(payload, StandardCharsets.UTF_8);
        String shown = text.startsWith("text:") ? text : HEX.formatHex(payload);
        System.out.println(++step + "\t" + atMillis + "\tpublish\tstoryloop/v1/" + device + "/" + kind + "\t" + shown + "\t" + expected + "\t" + what);
    }

    /** The COMMAND frame the gateway must publish: its timestamp is the gateway's clock in milliseconds. */
    private static void command(long atMillis, String device, long sequence, long correlationId, CommandCode code, int argument, String what) {
        byte[] frame = sign(new Frame().reset(FrameType.COMMAND, device, sequence, atMillis).command(ConformanceKit.EPOCH, correlationId, code, argument), device);
        System.out.println(++step + "\t" + atMillis + "\tcommand\tstoryloop/v1/" + device + "/cmd\t" + HEX.formatHex(frame) + "\tsent\t"
                + code + " " + argument + ": " + what);
    }
}
