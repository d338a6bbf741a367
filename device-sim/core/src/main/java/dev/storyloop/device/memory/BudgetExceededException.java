package dev.storyloop.device.memory;

/** Boot failed: the reservations do not fit the device's RAM. The message is the linker-style explanation. */
public final class BudgetExceededException extends RuntimeException {
    private final long overflowBytes;
    private final long budgetBytes;
    private final java.util.List<Reservation> reservations;

    BudgetExceededException(String message, long overflowBytes, long budgetBytes, java.util.List<Reservation> reservations) {
        super(message);
        this.overflowBytes = overflowBytes;
        this.budgetBytes = budgetBytes;
        this.reservations = java.util.List.copyOf(reservations);
    }

    public long overflowBytes() {
        return overflowBytes;
    }

    public long budgetBytes() {
        return budgetBytes;
    }

    /** The memory map that did not fit, in the order it was reserved. */
    public java.util.List<Reservation> reservations() {
        return reservations;
    }
}
