package dev.storyloop.device.memory;

/** One line of the memory map: {@code count} items of {@code bytesEach} bytes reserved for {@code what}. */
public record Reservation(String what, long count, long bytesEach) {
    public Reservation {
        if (what == null || what.isBlank()) throw new IllegalArgumentException("a reservation needs a name");
        if (count < 0) throw new IllegalArgumentException(what + ": count < 0");
        if (bytesEach <= 0) throw new IllegalArgumentException(what + ": bytesEach must be > 0");
    }

    public long bytes() {
        return Math.multiplyExact(count, bytesEach);
    }

    /** {@code uplink queue 64 x 256 B = 16 KiB} */
    public String describe() {
        return what + " " + count + " x " + Bytes.format(bytesEach) + " = " + Bytes.format(bytes());
    }
}
