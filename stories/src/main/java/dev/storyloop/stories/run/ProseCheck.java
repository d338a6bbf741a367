package dev.storyloop.stories.run;

import dev.storyloop.stories.scenario.ClaimCheck;
import dev.storyloop.stories.scenario.Scenario;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Checks the numbers a story's prose links to its results against what the run measured, so the
 * prose cannot drift from the run. A link whose text starts with a number is checked:
 * {@code [4.4%](results/summary.md#hang-share)} against the claim's measured value (its
 * {@code metric}), {@code [1,080](results/summary.md#m-at-210.device.delivered)} against one
 * variant's metric. The number is compared at the precision written: {@code 4.4%} is the value
 * times 100 rounded to one decimal, {@code 1,080} the value rounded to a whole number. A link whose
 * text starts with a word ({@code [claim 2](...)}) is a reference and is not checked, but its
 * target must exist.
 */
public final class ProseCheck {
    /** A link to one of the results: the text, the anchor, its line in story.md. */
    private static final Pattern LINK = ClaimCheck.PROSE_LINK;
    private static final Pattern NUMBER = Pattern.compile("^[~≈]?\\s*(-?\\d{1,3}(?:,\\d{3})+|-?\\d+)(\\.\\d+)?\\s*(%)?");
    /** The prefix of a metric anchor: {@code m-VARIANT.METRIC}. */
    public static final String METRIC_ANCHOR = ClaimCheck.METRIC_ANCHOR;

    /** The sections of summary.md a link may point to (as a reference, not a figure). */
    static final java.util.Set<String> SECTIONS = ClaimCheck.SUMMARY_SECTIONS;

    private ProseCheck() {}

    /** A checked link: where, what was written, what was measured, and whether they agree. */
    public record Link(int line, String text, String anchor, String written, String measured, boolean agrees) {
        @Override
        public String toString() {
            return "story.md:" + line + ": [" + text + "](#" + anchor + ") says " + written + ", the run measured " + measured;
        }
    }

    /** The result of the check: every link with a number, and the problems (mismatches, links to nothing). */
    public record Result(List<Link> checked, List<String> problems) {
        public boolean agrees() {
            return problems.isEmpty();
        }
    }

    public static Result check(String storyMarkdown, Scenario scenario, Map<String, Object> metrics) {
        List<Link> checked = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        String[] lines = storyMarkdown.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            Matcher m = LINK.matcher(lines[i]);
            while (m.find()) {
                String text = m.group(1).trim();
                String anchor = m.group(2);
                boolean section = SECTIONS.contains(anchor) || anchor.startsWith("memory-of-one-device");
                Object value = section ? null : target(anchor, scenario, metrics);
                if (section && !NUMBER.matcher(text).find()) continue;
                if (value == null) {
                    problems.add("story.md:" + (i + 1) + ": [" + text + "] links to #" + anchor + ", which is no claim id and no "
                            + METRIC_ANCHOR + "VARIANT.metric of this run");
                    continue;
                }
                Matcher number = NUMBER.matcher(text);
                if (!number.find()) continue; // a reference, not a figure
                Link link = compare(i + 1, text, anchor, number, value);
                checked.add(link);
                if (!link.agrees()) problems.add(link.toString());
            }
        }
        return new Result(List.copyOf(checked), List.copyOf(problems));
    }

    /** The measured value an anchor points to: a claim's metric, or a variant's metric; null when it points to nothing. */
    private static Object target(String anchor, Scenario scenario, Map<String, Object> metrics) {
        if (anchor.startsWith(METRIC_ANCHOR)) return metrics.get(anchor.substring(METRIC_ANCHOR.length()));
        for (Scenario.Claim claim : scenario.expect()) {
            if (claim.id().equals(anchor)) {
                Object value = metrics.get(claim.metric());
                return value == null ? "no metric" : value;
            }
        }
        return null;
    }

    private static Link compare(int line, String text, String anchor, Matcher number, Object value) {
        String whole = number.group(1).replace(",", "");
        String fraction = number.group(2) == null ? "" : number.group(2);
        boolean percent = number.group(3) != null;
        String written = number.group(1) + fraction + (percent ? "%" : "");
        if (!(value instanceof Number measured)) {
            return new Link(line, text, anchor, written, String.valueOf(value), false);
        }
        BigDecimal expected = new BigDecimal(whole + fraction);
        BigDecimal actual = new BigDecimal(measured.toString());
        if (percent) actual = actual.movePointRight(2);
        int scale = Math.max(0, fraction.length() - 1);
        BigDecimal rounded = actual.setScale(scale, RoundingMode.HALF_UP);
        String shown = (scale == 0 ? Human.number(rounded.longValue()) : rounded.toPlainString()) + (percent ? "%" : "") + (rounded.compareTo(actual) != 0 ? " (" + Human.number(measured.doubleValue())
                + (percent ? " as a share" : "") + ")" : "");
        return new Link(line, text, anchor, written, shown, rounded.compareTo(expected) == 0);
    }
}
