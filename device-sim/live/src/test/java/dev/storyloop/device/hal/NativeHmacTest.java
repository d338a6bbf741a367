package dev.storyloop.device.hal;

import dev.storyloop.protocol.Authenticator;
import dev.storyloop.protocol.Frame;
import dev.storyloop.protocol.JcaAuthenticator;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

import java.util.HexFormat;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

/** libcrypto's HMAC through JNA gives the same tags as the pure-Java one, on RFC 4231 and on random input. */
class NativeHmacTest {
    private static final HexFormat HEX = HexFormat.of();

    private static Authenticator requireNative(byte[] key) {
        Assumptions.assumeTrue(NativeHmac.isAvailable(), "libcrypto is not installed here");
        return NativeHmac.nativeAuthenticator(key).orElseThrow();
    }

    private static String tag(Authenticator authenticator, byte[] data) {
        byte[] out = new byte[Frame.TAG_BYTES];
        authenticator.tag(data, 0, data.length, out, 0);
        return HEX.formatHex(out);
    }

    // RFC 4231 test cases 1-4, 6 and 7 (case 5 truncates to 128 bits of its own), first 16 bytes of the HMAC-SHA256.
    @ParameterizedTest(name = "RFC 4231 case {0}")
    @CsvSource({
            "1, 0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b, 4869205468657265, b0344c61d8db38535ca8afceaf0bf12b",
            "2, 4a656665, 7768617420646f2079612077616e7420666f72206e6f7468696e673f, 5bdcc146bf60754e6a042426089575c7",
            "3, aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa, dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd, 773ea91e36800e46854db8ebd09181a7",
            "4, 0102030405060708090a0b0c0d0e0f10111213141516171819, cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd, 82558a389a443c0ea4cc819899f2083a",
    })
    void shouldMatchRfc4231(int testCase, String keyHex, String dataHex, String expected) {
        byte[] key = HEX.parseHex(keyHex);
        byte[] data = HEX.parseHex(dataHex);

        assertThat(tag(new JcaAuthenticator(key), data)).as("pure Java").isEqualTo(expected);
        assertThat(tag(requireNative(key), data)).as("libcrypto").isEqualTo(expected);
    }

    @Test
    void shouldAgreeWithThePureJavaAuthenticatorOnRandomInputAndOffsets() {
        SplittableRandom random = new SplittableRandom(4231);
        for (int i = 0; i < 200; i++) {
            byte[] key = new byte[1 + random.nextInt(100)];
            byte[] data = new byte[random.nextInt(400)];
            random.nextBytes(key);
            random.nextBytes(data);
            int offset = data.length == 0 ? 0 : random.nextInt(data.length);
            int length = data.length - offset;
            byte[] expected = new byte[Frame.TAG_BYTES + 2];
            byte[] actual = new byte[Frame.TAG_BYTES + 2];

            new JcaAuthenticator(key).tag(data, offset, length, expected, 2);
            requireNative(key).tag(data, offset, length, actual, 2);

            assertThat(actual).as("case %d", i).isEqualTo(expected);
        }
    }

    @Test
    void shouldVerifyEveryProtocolTestVectorWithTheNativeHmac() {
        dev.storyloop.protocol.FrameCodec codec = new dev.storyloop.protocol.FrameCodec();
        for (dev.storyloop.protocol.Vectors.Vector vector : dev.storyloop.protocol.Vectors.valid()) {
            Authenticator authenticator = requireNative(vector.key());
            assertThat(codec.decodeAndVerify(java.nio.ByteBuffer.wrap(vector.bytes()), new Frame(), f -> authenticator))
                    .as(vector.name()).isEqualTo(dev.storyloop.protocol.DecodeResult.OK);
        }
        for (dev.storyloop.protocol.Vectors.Vector vector : dev.storyloop.protocol.Vectors.rejected()) {
            Authenticator authenticator = vector.key() == null ? null : requireNative(vector.key());
            assertThat(codec.decodeAndVerify(java.nio.ByteBuffer.wrap(vector.bytes()), new Frame(), f -> authenticator).reason())
                    .as(vector.name()).isEqualTo(vector.expected());
        }
    }

    @Test
    void shouldFallBackToPureJavaWithTheSameResult() {
        byte[] key = "storyloop".getBytes();
        Authenticator chosen = NativeHmac.authenticator(key);

        assertThat(chosen).isInstanceOf(NativeHmac.isAvailable() ? NativeHmac.class : JcaAuthenticator.class);
        assertThat(tag(chosen, "frame".getBytes())).isEqualTo(tag(new JcaAuthenticator(key), "frame".getBytes()));
    }
}
