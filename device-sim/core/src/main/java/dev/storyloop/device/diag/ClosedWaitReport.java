package dev.storyloop.device.diag;

import java.util.Locale;

/** A pending task waiting on something that has closed for good (a channel whose other side is gone). */
public record ClosedWaitReport(String task, int slot, int generation, String waitingOn, long polls, long atNanos) {
    @Override
    public String toString() {
        return String.format(Locale.ROOT,
                "closed wait: task '%s' (#%d.%d) is pending after %d polls on something that has closed: %s (at %.6f s)",
                task, slot, generation, polls, waitingOn, atNanos / 1e9);
    }
}
