package dev.storyloop.protocol;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class FrameCodecTest {
    private final FrameCodec codec = new FrameCodec();

    static List<Vectors.Vector> valid() { return Vectors.valid(); }
    static List<Vectors.Vector> rejected() { return Vectors.rejected(); }

    @ParameterizedTest(name = "{0}")
    @MethodSource("valid")
    void shouldDecodeEachValidVectorToItsDescription(Vectors.Vector vector) {
        Frame frame = new Frame();
        ByteBuffer in = ByteBuffer.wrap(vector.bytes());

        DecodeResult result = codec.decodeAndVerify(in, frame, f -> new JcaAuthenticator(vector.key()));

        assertThat(result).isEqualTo(DecodeResult.OK);
        assertThat(frame).hasToString(vector.expected());
        assertThat(in.remaining()).isZero();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("valid")
    void shouldEncodeEachDescriptionToItsVectorBytes(Vectors.Vector vector) {
        ByteBuffer out = ByteBuffer.allocate(FrameCodec.MAX_FRAME_BYTES);

        int written = codec.encode(Vectors.parse(vector.expected()), new JcaAuthenticator(vector.key()), out);

        assertThat(HexFormat.of().formatHex(out.array(), 0, written)).isEqualTo(HexFormat.of().formatHex(vector.bytes()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rejected")
    void shouldRejectEachMalformedVectorWithItsReason(Vectors.Vector vector) {
        ByteBuffer in = ByteBuffer.wrap(vector.bytes());

        DecodeResult result = codec.decodeAndVerify(in, new Frame(),
                f -> vector.key() == null ? null : new JcaAuthenticator(vector.key()));

        assertThat(result.reason()).isEqualTo(vector.expected());
        assertThat(in.position()).as("a rejected frame is not consumed").isZero();
    }

    @Test
    void shouldTagWithTruncatedHmacSha256OverEverythingBeforeTheTag() throws Exception {
        Vectors.Vector vector = Vectors.valid().get(0);
        byte[] bytes = vector.bytes();
        javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
        mac.init(new javax.crypto.spec.SecretKeySpec(vector.key(), "HmacSHA256"));
        byte[] full = mac.doFinal(java.util.Arrays.copyOf(bytes, bytes.length - Frame.TAG_BYTES));

        assertThat(java.util.Arrays.copyOfRange(bytes, bytes.length - Frame.TAG_BYTES, bytes.length))
                .isEqualTo(java.util.Arrays.copyOf(full, Frame.TAG_BYTES));
    }

    @Test
    void shouldMatchRfc4231TestCase2() {
        byte[] out = new byte[Frame.TAG_BYTES];
        byte[] data = "what do ya want for nothing?".getBytes(StandardCharsets.US_ASCII);

        new JcaAuthenticator("Jefe".getBytes(StandardCharsets.US_ASCII)).tag(data, 0, data.length, out, 0);

        assertThat(HexFormat.of().formatHex(out)).isEqualTo("5bdcc146bf60754e6a042426089575c7");
    }

    @Test
    void shouldMatchRfc4231TestCase6WithAKeyLongerThanABlock() {
        byte[] key = new byte[131];
        java.util.Arrays.fill(key, (byte) 0xaa);
        byte[] data = "Test Using Larger Than Block-Size Key - Hash Key First".getBytes(StandardCharsets.US_ASCII);
        byte[] out = new byte[Frame.TAG_BYTES];

        new JcaAuthenticator(key).tag(data, 0, data.length, out, 0);

        assertThat(HexFormat.of().formatHex(out)).isEqualTo("60e431591ee0b67f0d8a26aacbf5b77f");
    }

    @org.junit.jupiter.api.RepeatedTest(20)
    void shouldAgreeWithJavaxCryptoMac(org.junit.jupiter.api.RepetitionInfo repetition) throws Exception {
        java.util.SplittableRandom random = new java.util.SplittableRandom(repetition.getCurrentRepetition());
        byte[] key = new byte[1 + random.nextInt(150)];
        byte[] data = new byte[random.nextInt(300)];
        random.nextBytes(key);
        random.nextBytes(data);
        javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
        mac.init(new javax.crypto.spec.SecretKeySpec(key, "HmacSHA256"));
        JcaAuthenticator authenticator = new JcaAuthenticator(key);
        byte[] out = new byte[Frame.TAG_BYTES + 3];

        authenticator.tag(data, 0, data.length, out, 3);
        authenticator.tag(data, 0, data.length, out, 3); // reusable: the same tag again

        assertThat(java.util.Arrays.copyOfRange(out, 3, out.length))
                .isEqualTo(java.util.Arrays.copyOf(mac.doFinal(data), Frame.TAG_BYTES));
    }

    @Test
    void shouldDecodeTheSameWhateverTheCallersByteOrder() {
        Vectors.Vector vector = Vectors.valid().get(0);
        ByteBuffer little = ByteBuffer.wrap(vector.bytes()).order(ByteOrder.LITTLE_ENDIAN);
        Frame frame = new Frame();

        assertThat(codec.decode(little, frame)).isEqualTo(DecodeResult.OK);
        assertThat(frame).hasToString(vector.expected());
    }

    @Test
    void shouldDecodeFromADirectBufferAtAnOffset() {
        Vectors.Vector vector = Vectors.valid().get(3);
        ByteBuffer direct = ByteBuffer.allocateDirect(vector.bytes().length + 10);
        direct.position(10);
        direct.put(vector.bytes());
        direct.position(10);

        assertThat(codec.decodeAndVerify(direct, new Frame(), f -> new JcaAuthenticator(vector.key()))).isEqualTo(DecodeResult.OK);
    }

    @Test
    void shouldRefuseToEncodeIntoABufferThatIsTooSmall() {
        Frame frame = Vectors.parse(Vectors.valid().get(0).expected());
        ByteBuffer small = ByteBuffer.allocate(10);

        assertThatThrownBy(() -> codec.encode(frame, new JcaAuthenticator(new byte[] {1}), small))
                .isInstanceOf(java.nio.BufferOverflowException.class);
        assertThat(small.position()).isZero();
    }

    @Test
    void shouldRejectInvalidFramesWhileTheyAreBuilt() {
        assertThatThrownBy(() -> new Frame().reset(FrameType.TELEMETRY, "bad/id", 1, 0))
                .hasMessage("device id has '/' at 3; only A-Z a-z 0-9 _ - are allowed");
        assertThatThrownBy(() -> new Frame().reset(FrameType.TELEMETRY, "ok", -1, 0)).hasMessageContaining("u32");
        Frame reused = new Frame().reset(FrameType.TELEMETRY, "ok", 1, 0); // a valid id is checked once a String ...
        assertThatThrownBy(() -> reused.reset(FrameType.TELEMETRY, "bad id", 2, 0)).hasMessageContaining("' ' at 3");
        assertThatThrownBy(() -> reused.reset(FrameType.TELEMETRY, "bad id", 2, 0)).hasMessageContaining("' ' at 3"); // ... a bad one every time
        assertThat(reused.reset(FrameType.TELEMETRY, "ok", 3, 0).deviceId()).isEqualTo("ok");
        assertThatThrownBy(() -> new Frame().reset(FrameType.TELEMETRY, null, 1, 0)).hasMessage("device id is empty"); // never checked yet
        assertThatThrownBy(() -> new Frame().reset(FrameType.ACK, "ok", 1, 0).addReading(Sensor.BATTERY, 1))
                .hasMessage("a ACK frame has no TELEMETRY payload");
        Frame empty = new Frame().reset(FrameType.TELEMETRY, "ok", 1, 0);
        assertThatThrownBy(() -> codec.encode(empty, new JcaAuthenticator(new byte[] {1}), ByteBuffer.allocate(200)))
                .hasMessage("a telemetry frame needs at least one reading");
    }

    @Test
    void shouldReuseTheDeviceIdStringWhileFramesComeFromTheSameDevice() {
        Frame frame = new Frame();
        Vectors.Vector vector = Vectors.valid().get(0);
        codec.decode(ByteBuffer.wrap(vector.bytes()), frame);
        String first = frame.deviceId();

        codec.decode(ByteBuffer.wrap(vector.bytes()), frame);

        assertThat(frame.deviceId()).isSameAs(first);
        assertThat(frame.deviceIdEquals("pi-1")).isTrue();
        codec.decode(ByteBuffer.wrap(Vectors.valid().get(1).bytes()), frame);
        assertThat(frame.deviceId()).isEqualTo("sensor_0042");
    }
}
