package dev.storyloop.gateway.store;

import java.nio.ByteBuffer;
import java.util.Objects;

/**
 * One device's durable books: what replay protection and exactly-once need after a restart.
 *
 * @param id              the device id
 * @param commandSequence the next sequence number the gateway will put on a frame to this device
 * @param window          the device's sequence window as {@code SequenceWindow.saveTo} wrote it
 */
public record DeviceState(String id, long commandSequence, long[] window) {
    static final byte FORMAT = 1;

    public DeviceState {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(window, "window");
    }

    byte[] encode() {
        ByteBuffer out = ByteBuffer.allocate(1 + 8 + 4 + 8 * window.length);
        out.put(FORMAT).putLong(commandSequence).putInt(window.length);
        for (long word : window) out.putLong(word);
        return out.array();
    }

    /** Decodes what {@link #encode} wrote; throws {@link GatewayStore.StoreException} for anything else. */
    static DeviceState decode(String id, byte[] bytes) {
        ByteBuffer in = ByteBuffer.wrap(bytes);
        if (bytes.length < 13 || in.get() != FORMAT) throw new GatewayStore.StoreException("device '" + id + "': unknown record format");
        long commandSequence = in.getLong();
        int words = in.getInt();
        if (words < 0 || bytes.length != 13 + 8L * words) throw new GatewayStore.StoreException("device '" + id + "': record of " + bytes.length + " bytes is cut or padded");
        long[] window = new long[words];
        for (int i = 0; i < words; i++) window[i] = in.getLong();
        return new DeviceState(id, commandSequence, window);
    }
}
