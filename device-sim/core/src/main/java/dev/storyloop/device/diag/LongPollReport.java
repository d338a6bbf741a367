package dev.storyloop.device.diag;

import java.util.Locale;

/** A poll that kept the loop busy longer than the threshold: every other task waited that long. */
public record LongPollReport(String task, int slot, long durationNanos, long thresholdNanos, long atNanos, String stack) {
    @Override
    public String toString() {
        return String.format(Locale.ROOT, "long poll: task '%s' (#%d) blocked the loop for %.3f ms (threshold %.3f ms) at %.6f s%s",
                task, slot, durationNanos / 1e6, thresholdNanos / 1e6, atNanos / 1e9,
                stack == null ? "" : "\n" + stack);
    }
}
