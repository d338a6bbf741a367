package dev.storyloop.protocol;

/**
 * Computes a frame's tag: HMAC-SHA256 with one device's key, truncated to {@link Frame#TAG_BYTES}.
 *
 * <p>One instance per key, so the key schedule is done once. The device uses native libcrypto
 * through JNA; the gateway uses {@link JcaAuthenticator}; both give the same bytes. Not thread-safe.
 */
public interface Authenticator {

    /** Writes the tag of {@code data[offset, offset + length)} to {@code out[outOffset, outOffset + TAG_BYTES)}. */
    void tag(byte[] data, int offset, int length, byte[] out, int outOffset);
}
