package dev.storyloop.stories.run;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.Locale;

/** Numbers as a reader writes them in tables and on plot axes: 16,910, 0.04437, 1.5; never 1.691e+04. */
public final class Human {
    private Human() {}

    public static String number(long value) {
        return String.format(Locale.ROOT, "%,d", value);
    }

    /** Four significant digits, trailing zeros dropped, thousands grouped; integral values without a fraction. */
    public static String number(double value) {
        if (Double.isNaN(value) || Double.isInfinite(value)) return String.valueOf(value);
        if (value == 0) return "0";
        BigDecimal rounded = new BigDecimal(value).round(new MathContext(4)).stripTrailingZeros();
        if (rounded.scale() <= 0) return String.format(Locale.ROOT, "%,d", rounded.toBigInteger());
        String plain = rounded.toPlainString();
        int dot = plain.indexOf('.');
        String whole = plain.substring(0, dot);
        String grouped = whole.equals("-0") ? whole : String.format(Locale.ROOT, "%,d", Long.parseLong(whole));
        return grouped + plain.substring(dot);
    }
}
