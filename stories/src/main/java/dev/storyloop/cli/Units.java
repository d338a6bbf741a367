package dev.storyloop.cli;

import picocli.CommandLine;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parsers for the CLI's durations ({@code 250ms}, {@code 1s}, {@code 2m}, {@code 1h}) and sizes ({@code 512}, {@code 64KiB}, {@code 1MiB}). */
final class Units {
    private static final Pattern DURATION = Pattern.compile("(\\d{1,12})(ns|us|ms|s|m|h)");
    private static final Pattern SIZE = Pattern.compile("(\\d{1,12})(B|KiB|MiB|GiB)?");

    private Units() {}

    /** A duration in nanoseconds. */
    static final class DurationNanos implements CommandLine.ITypeConverter<Long> {
        @Override
        public Long convert(String text) {
            Matcher m = DURATION.matcher(text.trim());
            if (!m.matches()) throw new CommandLine.TypeConversionException("'" + text + "' is not a duration like 250ms, 1s, 2m or 1h");
            long value = Long.parseLong(m.group(1));
            long unit;
            switch (m.group(2)) {
                case "ns": unit = 1; break;
                case "us": unit = 1_000; break;
                case "ms": unit = 1_000_000; break;
                case "s": unit = 1_000_000_000; break;
                case "m": unit = 60_000_000_000L; break;
                case "h": unit = 3_600_000_000_000L; break;
                default: throw new AssertionError(m.group(2));
            }
            try {
                return Math.multiplyExact(value, unit);
            } catch (ArithmeticException e) {
                throw new CommandLine.TypeConversionException("'" + text + "' is too long a duration");
            }
        }
    }

    /** A size in bytes. */
    static final class SizeBytes implements CommandLine.ITypeConverter<Long> {
        @Override
        public Long convert(String text) {
            Matcher m = SIZE.matcher(text.trim());
            if (!m.matches()) throw new CommandLine.TypeConversionException("'" + text + "' is not a size like 65536, 64KiB or 1MiB");
            long value = Long.parseLong(m.group(1));
            String unit = m.group(2) == null ? "B" : m.group(2);
            int shift = switch (unit) {
                case "B" -> 0;
                case "KiB" -> 10;
                case "MiB" -> 20;
                case "GiB" -> 30;
                default -> throw new AssertionError(unit);
            };
            if (value > (Long.MAX_VALUE >> shift)) throw new CommandLine.TypeConversionException("'" + text + "' is too large");
            return value << shift;
        }
    }

    static String duration(long nanos) {
        if (nanos % 1_000_000_000L == 0) return nanos / 1_000_000_000L + "s";
        if (nanos % 1_000_000L == 0) return nanos / 1_000_000L + "ms";
        return String.format(Locale.ROOT, "%.3fms", nanos / 1e6);
    }

    static String micros(long nanos) {
        return String.format(Locale.ROOT, "%.0fus", nanos / 1e3);
    }

    /** HOST:PORT (an IPv6 host in brackets) as {host, port}; a clear error otherwise. */
    static String[] hostPort(CommandLine cli, String option, String address) {
        int colon = address.lastIndexOf(':');
        String host = colon <= 0 ? "" : address.substring(0, colon).replace("[", "").replace("]", "");
        String port = colon < 0 ? "" : address.substring(colon + 1);
        if (host.isEmpty() || !port.matches("\\d{1,5}") || Integer.parseInt(port) > 65_535) {
            throw new CommandLine.ParameterException(cli, option + " takes HOST:PORT, e.g. 127.0.0.1:8088, got '" + address + "'");
        }
        return new String[] {host, port};
    }

}
