package dev.storyloop.protocol;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

import java.nio.ByteBuffer;

import static org.assertj.core.api.Assertions.assertThat;

class FramePropertiesTest {
    private final FrameCodec codec = new FrameCodec();
    private final Authenticator authenticator = new JcaAuthenticator("property-key".getBytes());

    @Provide
    Arbitrary<String> deviceIds() {
        return Arbitraries.strings().withChars("abcXYZ019_-").ofMinLength(1).ofMaxLength(64);
    }

    @Provide
    Arbitrary<Frame> frames() {
        Arbitrary<Long> sequences = Arbitraries.longs().between(0, Frame.U32_MAX);
        Arbitrary<Long> timestamps = Arbitraries.longs();
        Arbitrary<FrameType> types = Arbitraries.of(FrameType.class);
        Arbitrary<int[]> values = Arbitraries.integers().array(int[].class).ofMinSize(1).ofMaxSize(Frame.MAX_READINGS);
        return Combinators.combine(types, deviceIds(), sequences, timestamps, values).as((type, id, seq, ts, readings) -> {
            Frame frame = new Frame().reset(type, id, seq, ts);
            switch (type) {
                case TELEMETRY:
                    for (int i = 0; i < readings.length; i++) frame.addReading(Sensor.values()[i % Sensor.values().length], readings[i]);
                    break;
                case COMMAND:
                    frame.command(seq ^ 0xFFFF_FFFFL, seq, CommandCode.values()[readings.length % CommandCode.values().length], readings[0]);
                    break;
                case ACK:
                    frame.ack(seq ^ 0xFFFF_FFFFL, seq, AckStatus.values()[readings.length % AckStatus.values().length]);
                    break;
                case CREDIT:
                    frame.credit(seq, readings[0] & Frame.U32_MAX);
                    break;
                default:
                    throw new AssertionError(type);
            }
            return frame;
        });
    }

    @Property
    void shouldDecodeWhatItEncoded(@ForAll("frames") Frame frame) {
        ByteBuffer buffer = ByteBuffer.allocate(FrameCodec.MAX_FRAME_BYTES);
        int written = codec.encode(frame, authenticator, buffer);
        buffer.flip();
        Frame decoded = new Frame();

        assertThat(written).isEqualTo(FrameCodec.encodedLength(frame));
        assertThat(codec.decodeAndVerify(buffer, decoded, f -> authenticator)).isEqualTo(DecodeResult.OK);
        assertThat(decoded).hasToString(frame.toString());
    }

    @Property
    void shouldRejectAnyArbitraryBytesWithoutThrowing(@ForAll byte[] bytes) {
        ByteBuffer in = ByteBuffer.wrap(bytes);
        DecodeResult result = codec.decodeAndVerify(in, new Frame(), f -> authenticator);

        assertThat(result).isNotNull();
        if (result != DecodeResult.OK) assertThat(in.position()).isZero();
    }
}
