package dev.storyloop.protocol;

import java.security.DigestException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * HMAC-SHA256 (RFC 2104) on the JDK's SHA-256: the pure-Java authenticator. Allocates nothing per tag.
 *
 * <p>{@code javax.crypto.Mac} allocates its 32-byte result on every {@code doFinal}; built on
 * {@link MessageDigest#digest(byte[], int, int)}, which writes into a caller's buffer, the same
 * construction costs no garbage. The tests hold it to RFC 4231 and to {@code javax.crypto.Mac}.
 */
public final class JcaAuthenticator implements Authenticator {
    private static final int BLOCK_BYTES = 64;
    private static final int DIGEST_BYTES = 32;

    private final MessageDigest sha256;
    private final byte[] innerPad = new byte[BLOCK_BYTES];
    private final byte[] outerPad = new byte[BLOCK_BYTES];
    private final byte[] innerHash = new byte[DIGEST_BYTES];
    private final byte[] full = new byte[DIGEST_BYTES];

    public JcaAuthenticator(byte[] key) {
        if (key == null || key.length == 0) throw new IllegalArgumentException("an HMAC key must not be empty");
        try {
            sha256 = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required by every JDK", e);
        }
        byte[] block = key.length > BLOCK_BYTES ? sha256.digest(key) : key; // long keys are hashed first
        for (int i = 0; i < BLOCK_BYTES; i++) {
            byte k = i < block.length ? block[i] : 0;
            innerPad[i] = (byte) (k ^ 0x36);
            outerPad[i] = (byte) (k ^ 0x5c);
        }
    }

    @Override
    public void tag(byte[] data, int offset, int length, byte[] out, int outOffset) {
        try {
            sha256.update(innerPad);
            sha256.update(data, offset, length);
            sha256.digest(innerHash, 0, DIGEST_BYTES);
            sha256.update(outerPad);
            sha256.update(innerHash);
            sha256.digest(full, 0, DIGEST_BYTES);
        } catch (DigestException e) {
            throw new IllegalStateException(e); // 32 bytes is always enough for SHA-256
        }
        System.arraycopy(full, 0, out, outOffset, Frame.TAG_BYTES);
    }
}
