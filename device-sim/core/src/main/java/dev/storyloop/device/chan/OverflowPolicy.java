package dev.storyloop.device.chan;

/** What {@code send} does when the channel is full. */
public enum OverflowPolicy {
    /** Wait for space: backpressure reaches the producer. */
    BLOCK,
    /** Make room by discarding the oldest queued item (counted): fresh data wins. */
    DROP_OLDEST,
    /** Discard the item being sent (counted): queued data wins. */
    DROP_NEWEST;

    /** Parses {@code block}, {@code drop-oldest}, {@code drop-newest} (any case, '-' or '_'). */
    public static OverflowPolicy parse(String text) {
        String normalized = text.trim().toUpperCase(java.util.Locale.ROOT).replace('-', '_');
        for (OverflowPolicy policy : values()) if (policy.name().equals(normalized)) return policy;
        throw new IllegalArgumentException("unknown overflow policy '" + text + "' (expected block, drop-oldest or drop-newest)");
    }
}
