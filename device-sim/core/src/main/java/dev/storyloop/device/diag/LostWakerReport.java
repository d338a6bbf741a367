package dev.storyloop.device.diag;

import java.util.Locale;

/** A task that returned Pending, is not queued, and that no registration can ever wake; {@code waitChain} is its {@link WaitChain#chain()}. */
public record LostWakerReport(String task, int slot, int generation, String lastWaitingOn, long polls, long atNanos, String waitChain) {
    @Override
    public String toString() {
        return String.format(Locale.ROOT,
                "lost waker: task '%s' (#%d.%d) is pending after %d polls and nothing can wake it; last waiting on: %s (at %.6f s)",
                task, slot, generation, polls, lastWaitingOn, atNanos / 1e9);
    }
}
