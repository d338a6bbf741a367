package dev.storyloop.protocol;

import javax.crypto.Mac;
import javax.crypto.ShortBufferException;
import javax.crypto.spec.SecretKeySpec;
import java.security.GeneralSecurityException;

/** HMAC-SHA256 through {@code javax.crypto}: the pure-Java authenticator. Allocates nothing per tag. */
public final class JcaAuthenticator implements Authenticator {
    private final Mac mac;
    private final byte[] full = new byte[32];

    public JcaAuthenticator(byte[] key) {
        if (key == null || key.length == 0) throw new IllegalArgumentException("an HMAC key must not be empty");
        try {
            mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is required by every JDK", e);
        }
    }

    @Override
    public void tag(byte[] data, int offset, int length, byte[] out, int outOffset) {
        mac.update(data, offset, length);
        try {
            mac.doFinal(full, 0);
        } catch (ShortBufferException e) {
            throw new IllegalStateException(e); // 32 bytes is always enough
        }
        System.arraycopy(full, 0, out, outOffset, Frame.TAG_BYTES);
    }
}
