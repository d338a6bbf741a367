package dev.storyloop.device.memory;

import java.util.Locale;

/** Formats byte counts the way a linker map does: {@code 512 B}, {@code 1.2 KiB}, {@code 16 KiB}. */
public final class Bytes {
    private Bytes() {}

    public static String format(long bytes) {
        if (bytes < 0) return "-" + format(-bytes);
        if (bytes < 1024) return bytes + " B";
        if (bytes < 1024L * 1024) return scaled(bytes / 1024.0, "KiB");
        if (bytes < 1024L * 1024 * 1024) return scaled(bytes / (1024.0 * 1024), "MiB");
        return scaled(bytes / (1024.0 * 1024 * 1024), "GiB");
    }

    private static String scaled(double value, String unit) {
        double tenths = Math.round(value * 10) / 10.0;
        if (tenths == Math.rint(tenths)) return String.format(Locale.ROOT, "%d %s", (long) tenths, unit);
        return String.format(Locale.ROOT, "%.1f %s", tenths, unit);
    }

    /** Parses {@code 64KiB}, {@code 64 KiB}, {@code 1MiB}, {@code 2048}, {@code 512B}; rejects anything else. */
    public static long parse(String text) {
        String t = text.trim();
        long multiplier = 1;
        String number = t;
        String[][] units = {{"GiB", "1073741824"}, {"MiB", "1048576"}, {"KiB", "1024"}, {"B", "1"}};
        for (String[] unit : units) {
            if (t.endsWith(unit[0])) {
                multiplier = Long.parseLong(unit[1]);
                number = t.substring(0, t.length() - unit[0].length()).trim();
                break;
            }
        }
        long value;
        try {
            value = Long.parseLong(number);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a size: '" + text + "' (expected e.g. 64KiB, 1MiB, 2048B)");
        }
        if (value < 0) throw new IllegalArgumentException("size must not be negative: '" + text + "'");
        return Math.multiplyExact(value, multiplier);
    }
}
