package dev.storyloop.device.exec;

import java.math.BigDecimal;
import java.math.RoundingMode;

/**
 * Nanoseconds as seconds with a fixed number of decimals: the text {@code String.format(Locale.ROOT, "%.Nf", nanos / 1e9)}
 * gives, without a {@link java.util.Formatter} (which builds its format parser and locale symbols on every call). A
 * wait label is text in the trace, so the two must agree to the character; they do because both round the shortest
 * decimal that names the double ({@link Double#toString}) half up, and both keep the sign of a negative value that
 * rounds to zero.
 */
final class SecondsText {
    private SecondsText() {}

    static String of(long nanos, int decimals) {
        double seconds = nanos / 1e9;
        String magnitude = new BigDecimal(Double.toString(Math.abs(seconds))).setScale(decimals, RoundingMode.HALF_UP).toPlainString();
        return seconds < 0 ? "-" + magnitude : magnitude;
    }
}
