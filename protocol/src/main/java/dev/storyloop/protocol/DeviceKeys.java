package dev.storyloop.protocol;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Arrays;

/**
 * Where a device's HMAC key comes from when no keys file lists it: derived from a fleet secret.
 *
 * <p>{@code key = HMAC-SHA256(fleetSecret, "storyloop/v1/device-key/" + deviceId)}, 32 bytes. The
 * gateway holds the fleet secret and derives any device's key on demand; each device is
 * provisioned with its own derived key only, so one leaked device key does not expose the others.
 * {@link #DEVELOPMENT_FLEET_SECRET} is public and meant for demos and tests.
 */
public final class DeviceKeys {
    public static final String DERIVATION_LABEL = "storyloop/v1/device-key/";
    public static final byte[] DEVELOPMENT_FLEET_SECRET = "storyloop development fleet secret; not for production"
            .getBytes(StandardCharsets.US_ASCII);
    public static final int KEY_BYTES = 32;

    /**
     * One thread's {@code Mac}, keyed with the last fleet secret it derived from: a fleet derives
     * every device's key from the same secret, and {@code Mac.getInstance} (a JCA provider look-up)
     * with {@code init} per device was the largest part of a simulated fleet's key derivation.
     * {@code doFinal} resets the Mac to its key, so the next derivation starts clean.
     */
    private static final class Keyed {
        byte[] secret;
        Mac mac;
    }

    private static final ThreadLocal<Keyed> KEYED = ThreadLocal.withInitial(Keyed::new);

    private DeviceKeys() {}

    public static byte[] derive(byte[] fleetSecret, String deviceId) {
        if (fleetSecret == null || fleetSecret.length == 0) throw new IllegalArgumentException("the fleet secret must not be empty");
        DeviceIds.require(deviceId);
        try {
            Keyed keyed = KEYED.get();
            if (keyed.mac == null || !Arrays.equals(keyed.secret, fleetSecret)) {
                Mac mac = Mac.getInstance("HmacSHA256");
                mac.init(new SecretKeySpec(fleetSecret, "HmacSHA256"));
                keyed.mac = mac;
                keyed.secret = fleetSecret.clone();
            }
            return keyed.mac.doFinal((DERIVATION_LABEL + deviceId).getBytes(StandardCharsets.US_ASCII));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is required by every JDK", e);
        }
    }

    /** The key of {@code deviceId} in the development fleet. */
    public static byte[] development(String deviceId) {
        return derive(DEVELOPMENT_FLEET_SECRET, deviceId);
    }
}
