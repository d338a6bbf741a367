package dev.storyloop.bench;

import com.sun.jna.Platform;
import dev.storyloop.device.hal.NativeHmac;
import dev.storyloop.protocol.Authenticator;
import dev.storyloop.protocol.Frame;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;

/**
 * What {@code bench/pi-check} runs under the arm64 JRE: the platform JNA loaded its native part
 * for, and HMAC-SHA256 through libcrypto via JNA against RFC 4231 test cases 1-4 (the frames'
 * tag is the HMAC's first {@link Frame#TAG_BYTES} bytes, as RFC 4231 §4.6 truncates). Exit 0 when
 * every case matches through the native library (not the JDK fallback).
 */
public final class PiCheck {
    private PiCheck() {}

    /** RFC 4231 §4.2-4.5: key, data, HMAC-SHA256. */
    static final String[][] CASES = {
            {"0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", hex("Hi There"),
                    "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"},
            {hex("Jefe"), hex("what do ya want for nothing?"),
                    "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"},
            {"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "dd".repeat(50),
                    "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"},
            {"0102030405060708090a0b0c0d0e0f10111213141516171819", "cd".repeat(50),
                    "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"},
    };

    public static void main(String[] args) {
        System.out.printf("os.arch %s, JNA platform %s (native part %s), libcrypto %s%n", System.getProperty("os.arch"),
                Platform.RESOURCE_PREFIX, Platform.is64Bit() ? "64-bit" : "32-bit", NativeHmac.isAvailable() ? "found" : "NOT FOUND");
        if (!NativeHmac.isAvailable()) System.exit(1);
        int failed = 0;
        HexFormat hex = HexFormat.of();
        for (int i = 0; i < CASES.length; i++) {
            byte[] key = hex.parseHex(CASES[i][0]);
            byte[] data = hex.parseHex(CASES[i][1]);
            Authenticator hmac = NativeHmac.nativeAuthenticator(key).orElseThrow();
            byte[] tag = new byte[Frame.TAG_BYTES];
            hmac.tag(data, 0, data.length, tag, 0);
            boolean ok = hex.formatHex(tag).equals(CASES[i][2].substring(0, 2 * Frame.TAG_BYTES));
            if (!ok) failed++;
            System.out.printf("RFC 4231 case %d: %s%n", i + 1, ok ? "ok" : "MISMATCH " + hex.formatHex(tag));
        }
        System.out.println(failed == 0 ? "HMAC-SHA256 through libcrypto via JNA: all cases match" : failed + " case(s) failed");
        System.exit(failed == 0 ? 0 : 1);
    }

    private static String hex(String text) {
        return HexFormat.of().formatHex(text.getBytes(StandardCharsets.US_ASCII));
    }
}
