package dev.storyloop.device.exec;

import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;

import java.util.Locale;

import static org.assertj.core.api.Assertions.assertThat;

/** A wait label's seconds are trace text: {@link SecondsText} must give exactly what {@code String.format} gave. */
class SecondsTextTest {
    private static String formatted(long nanos, int decimals) {
        return String.format(Locale.ROOT, "%." + decimals + "f", nanos / 1e9);
    }

    @Property(tries = 20_000)
    void shouldMatchTheFormatterOverAnyLong(@ForAll long nanos, @ForAll @IntRange(min = 0, max = 9) int decimals) {
        assertThat(SecondsText.of(nanos, decimals)).isEqualTo(formatted(nanos, decimals));
    }

    /** A simulated run's times and timeouts: from -1 s to a few days. */
    @Property(tries = 20_000)
    void shouldMatchTheFormatterOverARunsTimes(@ForAll @LongRange(min = -1_000_000_000L, max = 400_000_000_000_000L) long nanos,
                                              @ForAll @IntRange(min = 1, max = 6) int decimals) {
        assertThat(SecondsText.of(nanos, decimals)).isEqualTo(formatted(nanos, decimals));
    }

    @Example
    void shouldRoundHalfUpAndKeepTheSignOfANegativeZero() {
        for (long nanos : new long[] {0, 50_000_000, 150_000_000, 250_000_000, 949_999_999, 950_000_000, 1_000_000_000,
                59_950_000_000L, 4_000_500_000L, 4_001_500_000L, 4_002_500_000L, -1, -49_999_999, -50_000_000, -150_000_000,
                Long.MAX_VALUE, Long.MIN_VALUE}) {
            for (int decimals : new int[] {1, 3, 6}) {
                assertThat(SecondsText.of(nanos, decimals)).as("%d ns, %d decimals", nanos, decimals).isEqualTo(formatted(nanos, decimals));
            }
        }
        assertThat(SecondsText.of(50_000_000, 1)).isEqualTo("0.1");
        assertThat(SecondsText.of(-1, 1)).isEqualTo("-0.0");
    }
}
