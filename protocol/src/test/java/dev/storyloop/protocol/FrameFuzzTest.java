package dev.storyloop.protocol;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Random and mutated byte arrays into the decoder: nothing may escape it.
 *
 * <p>The suite runs {@value #DEFAULT_COUNT} inputs; the benchmark-sized run is
 * {@code ./mvnw -pl protocol test -Dtest=FrameFuzzTest -Dstoryloop.fuzz.count=1000000}. A failure
 * prints the seed and the input that caused it.
 */
class FrameFuzzTest {
    static final int DEFAULT_COUNT = 100_000;

    @Test
    void shouldNeverThrowNorReadPastTheFrame() {
        int count = Integer.getInteger("storyloop.fuzz.count", DEFAULT_COUNT);
        long seed = Long.getLong("storyloop.fuzz.seed", 20261126L);
        SplittableRandom random = new SplittableRandom(seed);
        List<Vectors.Vector> seeds = Vectors.valid();
        FrameCodec codec = new FrameCodec();
        Frame frame = new Frame();
        Authenticator authenticator = new JcaAuthenticator(new byte[] {7});
        Map<DecodeResult, Integer> outcomes = new EnumMap<>(DecodeResult.class);
        byte[] window = new byte[FrameCodec.MAX_FRAME_BYTES + 64];

        for (int i = 0; i < count; i++) {
            byte[] input = random.nextInt(4) == 0 ? randomBytes(random) : mutated(random, seeds.get(random.nextInt(seeds.size())).bytes());
            // The frame sits between guard bytes; the buffer's limit ends it, so reading past it would throw.
            int offset = random.nextInt(8);
            System.arraycopy(input, 0, window, offset, Math.min(input.length, window.length - offset));
            ByteBuffer in = ByteBuffer.wrap(window, offset, Math.min(input.length, window.length - offset)).slice();
            DecodeResult result;
            try {
                result = codec.decodeAndVerify(in, frame, f -> authenticator);
            } catch (RuntimeException e) {
                throw new AssertionError("decoder threw on input " + i + " (seed " + seed + "): "
                        + java.util.HexFormat.of().formatHex(input), e);
            }
            assertThat(in.position()).isIn(0, in.limit());
            outcomes.merge(result, 1, Integer::sum);
        }
        System.out.println("fuzzed " + count + " inputs (seed " + seed + "): " + outcomes);
        assertThat(outcomes).containsKeys(DecodeResult.BAD_TAG, DecodeResult.TOO_SHORT, DecodeResult.BAD_MAGIC);
    }

    private static byte[] randomBytes(SplittableRandom random) {
        byte[] bytes = new byte[random.nextInt(FrameCodec.MAX_FRAME_BYTES + 40)];
        random.nextBytes(bytes);
        return bytes;
    }

    private static byte[] mutated(SplittableRandom random, byte[] valid) {
        byte[] bytes;
        switch (random.nextInt(4)) {
            case 0: // truncate
                bytes = java.util.Arrays.copyOf(valid, random.nextInt(valid.length + 1));
                break;
            case 1: // extend
                bytes = java.util.Arrays.copyOf(valid, valid.length + 1 + random.nextInt(16));
                break;
            default:
                bytes = valid.clone();
        }
        int flips = 1 + random.nextInt(4);
        for (int f = 0; f < flips && bytes.length > 0; f++) bytes[random.nextInt(bytes.length)] ^= (byte) (1 << random.nextInt(8));
        return bytes;
    }
}
