package dev.storyloop.gateway.core;

import dev.storyloop.protocol.DeviceIds;
import dev.storyloop.protocol.DeviceKeys;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Where the gateway finds a device's HMAC key: a keys file, or a derivation from the fleet secret.
 *
 * <p>A keys file has one device per line, {@code <device-id> <key as hex>}; blank lines and lines
 * starting with {@code #} are skipped; anything else is an error naming the file and line. A fleet
 * secret derives any device's key as {@link DeviceKeys#derive} does (so devices are provisioned
 * with their own derived key). With both, the file's entries win. An unknown device (no entry,
 * no secret) has no key: its frames are rejected as {@code unknown-device} ({@link dev.storyloop.protocol.DecodeResult#UNKNOWN_DEVICE}).
 */
public final class Keyring {
    public static final int KEYS_FILE_ENTRIES_MAX = 1_000_000;
    private final Map<String, byte[]> listed;
    private final byte[] fleetSecret;

    private Keyring(Map<String, byte[]> listed, byte[] fleetSecret) {
        this.listed = listed;
        this.fleetSecret = fleetSecret == null ? null : fleetSecret.clone();
    }

    public static Keyring fleet(byte[] fleetSecret) {
        if (fleetSecret == null || fleetSecret.length == 0) throw new IllegalArgumentException("the fleet secret must not be empty");
        return new Keyring(Map.of(), fleetSecret);
    }

    /** The public development fleet ({@link DeviceKeys#DEVELOPMENT_FLEET_SECRET}): demos and tests. */
    public static Keyring development() {
        return fleet(DeviceKeys.DEVELOPMENT_FLEET_SECRET);
    }

    /** Reads a keys file; {@code fleetSecret} may be null (then only listed devices are known). */
    public static Keyring file(Path keysFile, byte[] fleetSecret) throws IOException {
        List<String> lines = Files.readAllLines(keysFile, StandardCharsets.UTF_8);
        Map<String, byte[]> keys = new TreeMap<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) continue;
            String where = keysFile + ":" + (i + 1) + ": ";
            String[] fields = line.split("\\s+");
            if (fields.length != 2) throw new IllegalArgumentException(where + "expected '<device-id> <hex key>', got '" + line + "'");
            String problem = DeviceIds.rejection(fields[0]);
            if (problem != null) throw new IllegalArgumentException(where + problem);
            byte[] key;
            try {
                key = HexFormat.of().parseHex(fields[1]);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(where + "the key is not hex: " + e.getMessage());
            }
            if (key.length < 16) throw new IllegalArgumentException(where + "a key needs at least 16 bytes, got " + key.length);
            if (keys.put(fields[0], key) != null) throw new IllegalArgumentException(where + "device '" + fields[0] + "' is listed twice");
            if (keys.size() > KEYS_FILE_ENTRIES_MAX) throw new IllegalArgumentException(where + "more than " + KEYS_FILE_ENTRIES_MAX + " devices");
        }
        return new Keyring(keys, fleetSecret);
    }

    /** The device's key, or null when it is unknown. */
    public byte[] keyOf(String deviceId) {
        byte[] key = listed.get(deviceId);
        if (key != null) return key.clone();
        return fleetSecret == null ? null : DeviceKeys.derive(fleetSecret, deviceId);
    }

    public int listedDevices() {
        return listed.size();
    }

    public boolean derives() {
        return fleetSecret != null;
    }
}
