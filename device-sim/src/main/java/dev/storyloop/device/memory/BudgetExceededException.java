package dev.storyloop.device.memory;

/** Boot failed: the reservations do not fit the device's RAM. The message is the linker-style explanation. */
public final class BudgetExceededException extends RuntimeException {
    private final long overflowBytes;

    BudgetExceededException(String message, long overflowBytes) {
        super(message);
        this.overflowBytes = overflowBytes;
    }

    public long overflowBytes() {
        return overflowBytes;
    }
}
