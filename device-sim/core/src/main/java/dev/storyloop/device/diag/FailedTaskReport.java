package dev.storyloop.device.diag;

import java.util.Locale;

/** A task whose poll threw: it was failed and its slot freed; the loop went on. */
public record FailedTaskReport(String task, int slot, int generation, Throwable failure, String waitingOn, long polls,
                               long atNanos) {
    @Override
    public String toString() {
        return String.format(Locale.ROOT, "failed task: task '%s' (#%d.%d) threw %s in poll %d; it was waiting on: %s (at %.6f s)",
                task, slot, generation, failure, polls, waitingOn, atNanos / 1e9);
    }
}
