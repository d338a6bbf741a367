package dev.storyloop.device.memory;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

/**
 * A device's RAM, declared up front like a linker map.
 *
 * <p>At boot every queue, buffer pool, timer queue and task slot reserves its bytes here. {@link
 * #seal()} ends boot: when the reservations exceed the budget it fails with a message that names
 * each reservation and the overflow (as a linker says "region RAM overflowed by 1208 bytes");
 * after it, reserving more is an error, because a device that allocates after boot is a device
 * that can run out of memory in the field.
 */
public final class MemoryBudget {
    private final String owner;
    private final long budgetBytes;
    private final List<Reservation> reservations = new ArrayList<>();
    private long reservedBytes;
    private boolean sealed;

    public MemoryBudget(String owner, long budgetBytes) {
        if (budgetBytes <= 0) throw new IllegalArgumentException("budget of " + owner + " must be > 0 bytes");
        this.owner = owner;
        this.budgetBytes = budgetBytes;
    }

    /** A budget too large to matter, for tests and tools that do not model RAM. */
    public static MemoryBudget unlimited(String owner) {
        return new MemoryBudget(owner, Long.MAX_VALUE / 4);
    }

    /** Reserves {@code count} items of {@code bytesEach}; fails once the budget is sealed. */
    public Reservation reserve(String what, long count, long bytesEach) {
        Reservation reservation = new Reservation(what, count, bytesEach);
        if (sealed) {
            throw new IllegalStateException("memory budget of " + owner + " is sealed: cannot reserve "
                    + reservation.describe() + " after boot");
        }
        reservations.add(reservation);
        reservedBytes = Math.addExact(reservedBytes, reservation.bytes());
        return reservation;
    }

    /** Ends boot: checks that everything fits and forbids further reservations. */
    public void seal() {
        if (sealed) return;
        if (reservedBytes > budgetBytes) {
            long overflow = reservedBytes - budgetBytes;
            StringBuilder message = new StringBuilder();
            message.append(owner).append(": RAM overflowed by ").append(Bytes.format(overflow))
                    .append(" (").append(Bytes.format(reservedBytes)).append(" reserved of ")
                    .append(Bytes.format(budgetBytes)).append("): ");
            for (int i = 0; i < reservations.size(); i++) {
                if (i > 0) message.append(", ");
                message.append(reservations.get(i).describe());
            }
            throw new BudgetExceededException(message.toString(), overflow, budgetBytes, reservations);
        }
        sealed = true;
    }

    public boolean isSealed() { return sealed; }
    public String owner() { return owner; }
    public long budgetBytes() { return budgetBytes; }
    public long reservedBytes() { return reservedBytes; }
    public long freeBytes() { return budgetBytes - reservedBytes; }
    public List<Reservation> reservations() { return Collections.unmodifiableList(reservations); }

    /** The memory map printed at boot: one line per reservation, then the total and what is left. */
    public String report() {
        StringBuilder out = new StringBuilder();
        out.append("Memory map of ").append(owner).append(" (RAM ").append(Bytes.format(budgetBytes)).append(")\n");
        int width = "region".length();
        for (Reservation r : reservations) width = Math.max(width, r.what().length());
        String row = "  %-" + width + "s %8s %10s %10s %6s%n";
        out.append(String.format(Locale.ROOT, row, "region", "count", "each", "total", "share"));
        for (Reservation r : reservations) {
            out.append(String.format(Locale.ROOT, row, r.what(), r.count(), Bytes.format(r.bytesEach()),
                    Bytes.format(r.bytes()), percent(r.bytes())));
        }
        out.append(String.format(Locale.ROOT, row, "reserved", "", "", Bytes.format(reservedBytes), percent(reservedBytes)));
        out.append(String.format(Locale.ROOT, row, "free", "", "", Bytes.format(budgetBytes - reservedBytes),
                percent(budgetBytes - reservedBytes)));
        return out.toString();
    }

    private String percent(long bytes) {
        return String.format(Locale.ROOT, "%.1f%%", 100.0 * bytes / budgetBytes);
    }
}
