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
 *
 * <p>An instance keeps only its key block (at most 64 bytes). The SHA-256 state and the pads are
 * scratch of the calling thread, shared by every authenticator on it: a fleet of simulated devices
 * on one thread holds three authenticators a device (the frame's, the token's, the gateway's), and
 * a {@code MessageDigest} each (its 64-int schedule, its buffer, a provider look-up to build) was
 * about 2 kB of every device and a tenth of its boot. A tag runs start to end on one thread, so the
 * scratch is never shared by two tags at once.
 */
public final class JcaAuthenticator implements Authenticator {
    private static final int BLOCK_BYTES = 64;
    private static final int DIGEST_BYTES = 32;

    /** One thread's SHA-256 and buffers. */
    private static final class Scratch {
        final MessageDigest sha256 = newSha256();
        final byte[] pad = new byte[BLOCK_BYTES];
        final byte[] innerHash = new byte[DIGEST_BYTES];
        final byte[] full = new byte[DIGEST_BYTES];
    }

    private static final PerThread<Scratch> SCRATCH = new PerThread<>(Scratch::new);

    /** The key, or its SHA-256 when longer than a block; the pads are this XOR 0x36 and 0x5c, zero-filled to a block. */
    private final byte[] keyBlock;

    public JcaAuthenticator(byte[] key) {
        if (key == null || key.length == 0) throw new IllegalArgumentException("an HMAC key must not be empty");
        keyBlock = key.length > BLOCK_BYTES ? SCRATCH.get().sha256.digest(key) : key.clone(); // long keys are hashed first
        assert keyBlock.length <= BLOCK_BYTES : "the key block is longer than SHA-256's block";
    }

    private static MessageDigest newSha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required by every JDK", e);
        }
    }

    private void fillPad(byte[] pad, int xor) {
        byte[] k = keyBlock;
        for (int i = 0; i < k.length; i++) pad[i] = (byte) (k[i] ^ xor);
        for (int i = k.length; i < BLOCK_BYTES; i++) pad[i] = (byte) xor;
    }

    @Override
    public void tag(byte[] data, int offset, int length, byte[] out, int outOffset) {
        Scratch s = SCRATCH.get();
        MessageDigest sha256 = s.sha256;
        try {
            fillPad(s.pad, 0x36);
            sha256.update(s.pad);
            sha256.update(data, offset, length);
            sha256.digest(s.innerHash, 0, DIGEST_BYTES);
            fillPad(s.pad, 0x5c);
            sha256.update(s.pad);
            sha256.update(s.innerHash);
            sha256.digest(s.full, 0, DIGEST_BYTES);
        } catch (DigestException e) {
            throw new IllegalStateException(e); // 32 bytes is always enough for SHA-256
        }
        System.arraycopy(s.full, 0, out, outOffset, Frame.TAG_BYTES);
    }
}
