package dev.storyloop.device.hal;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.NativeLong;
import com.sun.jna.Platform;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.IntByReference;
import dev.storyloop.protocol.Authenticator;
import dev.storyloop.protocol.Frame;
import dev.storyloop.protocol.JcaAuthenticator;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * HMAC-SHA256 through libcrypto, the synchronous C library a device links against, reached with JNA.
 *
 * <p>The call blocks the calling thread until the C function returns, which is the point of the
 * stories about blocking inside async code. Where libcrypto cannot be loaded, {@link #authenticator}
 * falls back to the pure-Java {@link JcaAuthenticator}, which gives the same bytes (the tests
 * hold both to RFC 4231).
 */
public final class NativeHmac implements Authenticator {
    private static final List<String> LIBRARY_NAMES = Platform.isMac()
            ? List.of("crypto.3", "crypto")
            : List.of("libcrypto.so.3", "crypto");
    private static final int DIGEST_BYTES = 32;
    private static volatile Optional<LibCrypto> library;

    /** The two libcrypto functions used: one-shot HMAC and the SHA-256 digest descriptor. */
    interface LibCrypto extends Library {
        Pointer EVP_sha256();

        Pointer HMAC(Pointer md, byte[] key, int keyLength, byte[] data, NativeLong dataLength, byte[] out, IntByReference outLength);
    }

    private final LibCrypto crypto;
    private final Pointer sha256;
    private final byte[] key;
    private final byte[] full = new byte[DIGEST_BYTES];
    private final IntByReference length = new IntByReference();

    private NativeHmac(LibCrypto crypto, byte[] key) {
        this.crypto = crypto;
        this.sha256 = crypto.EVP_sha256();
        this.key = key.clone();
    }

    /** libcrypto, if this machine has it (looked up once). */
    public static Optional<LibCrypto> libcrypto() {
        Optional<LibCrypto> loaded = library;
        if (loaded == null) {
            loaded = Optional.empty();
            for (String name : LIBRARY_NAMES) {
                try {
                    loaded = Optional.of(Native.load(name, LibCrypto.class));
                    break;
                } catch (UnsatisfiedLinkError e) {
                    // try the next name
                }
            }
            library = loaded;
        }
        return loaded;
    }

    public static boolean isAvailable() {
        return libcrypto().isPresent();
    }

    /** The native authenticator for {@code key}, or empty when libcrypto is not on this machine. */
    public static Optional<Authenticator> nativeAuthenticator(byte[] key) {
        if (key == null || key.length == 0) throw new IllegalArgumentException("an HMAC key must not be empty");
        return libcrypto().map(crypto -> new NativeHmac(crypto, key));
    }

    /** Native when possible, otherwise the pure-Java authenticator (same results). */
    public static Authenticator authenticator(byte[] key) {
        return nativeAuthenticator(key).orElseGet(() -> new JcaAuthenticator(key));
    }

    @Override
    public void tag(byte[] data, int offset, int dataLength, byte[] out, int outOffset) {
        byte[] input = offset == 0 && dataLength == data.length ? data : Arrays.copyOfRange(data, offset, offset + dataLength);
        Pointer result = crypto.HMAC(sha256, key, key.length, input, new NativeLong(dataLength), full, length);
        if (result == null || length.getValue() != DIGEST_BYTES) {
            throw new IllegalStateException("libcrypto HMAC failed (returned " + result + ", " + length.getValue() + " bytes)");
        }
        System.arraycopy(full, 0, out, outOffset, Frame.TAG_BYTES);
    }
}
