package dev.storyloop.device.time;

/**
 * Where the loop's "now" comes from: monotonic nanoseconds since the clock's own origin.
 *
 * <p>Only the executor (the shell) reads the clock; futures get {@code now} through their
 * context, so the same firmware runs on virtual and real time.
 */
public interface Clock {

    /** Nanoseconds since this clock's origin; never decreases. */
    long nanos();

    /** True when time moves only when the loop says so ({@link VirtualClock}). */
    boolean isVirtual();

    /**
     * Wall-clock milliseconds (Unix time) at this clock's origin, so a device's frame timestamps keep going forward
     * across process restarts, as the protocol asks; 0 for a virtual clock, whose world starts at 0.
     */
    default long wallOriginMillis() {
        return 0;
    }
}
