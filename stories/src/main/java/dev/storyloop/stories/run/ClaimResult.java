package dev.storyloop.stories.run;

import dev.storyloop.stories.scenario.Scenario;

import java.util.Map;

/**
 * A claim of the story, what the run measured for it, and whether it holds. A claim the story marks
 * {@code refuted} passes when it does not hold: the run shows the refutation the story tells.
 */
public record ClaimResult(Scenario.Claim claim, String measured, boolean holds, boolean noData) {

    public ClaimResult(Scenario.Claim claim, String measured, boolean holds) {
        this(claim, measured, holds, false);
    }

    /**
     * Whether the run agrees with the story: a claim holds, or a refuted one does not. A claim on a
     * metric with no data neither holds nor is refuted: it fails either way.
     */
    public boolean passes() {
        return !noData && holds != claim.refuted();
    }

    /** Whether this claim is refuted, as the story says. */
    public boolean refutedAsExpected() {
        return !noData && claim.refuted() && !holds;
    }

    /** The verdict in words: "holds", "refuted, as the story says", or why the run disagrees with the story. */
    public String verdict() {
        if (noData) return "no data";
        if (claim.refuted()) return holds ? "holds, but the story says it is refuted" : "refuted, as the story says";
        return holds ? "holds" : "does not hold";
    }

    /** Evaluates {@code claim} against the run's metrics; an unknown metric is a failed claim saying so. */
    public static ClaimResult check(Scenario.Claim claim, Map<String, Object> metrics) {
        Object actual = metrics.get(claim.metric());
        if (actual == null) return new ClaimResult(claim, "no metric '" + claim.metric() + "'", false);
        if (actual instanceof NoData none) return new ClaimResult(claim, claim.metric() + ": " + none, false, true);
        Object expected = claim.value();
        if (claim.other() != null) {
            expected = metrics.get(claim.other());
            if (expected == null) return new ClaimResult(claim, "no metric '" + claim.other() + "'", false);
            if (expected instanceof NoData none) return new ClaimResult(claim, claim.other() + ": " + none, false, true);
        }
        String shown = show(actual) + (claim.other() != null ? " vs " + show(expected) : "");
        if (claim.op().equals("contains")) return new ClaimResult(claim, shown, String.valueOf(actual).contains(String.valueOf(expected)));
        if (actual instanceof Number a && expected instanceof Number e) {
            double x = a.doubleValue();
            double y = e.doubleValue();
            double tolerance = claim.tolerance() == null ? 0 : claim.tolerance();
            boolean holds = switch (claim.op()) {
                case "==" -> Math.abs(x - y) <= tolerance;
                case "!=" -> Math.abs(x - y) > tolerance;
                case "<" -> x < y;
                case "<=" -> x <= y;
                case ">" -> x > y;
                default -> x >= y;
            };
            return new ClaimResult(claim, shown, holds);
        }
        boolean equal = String.valueOf(actual).equals(String.valueOf(expected));
        return switch (claim.op()) {
            case "==" -> new ClaimResult(claim, shown, equal);
            case "!=" -> new ClaimResult(claim, shown, !equal);
            default -> new ClaimResult(claim, shown + " (not a number)", false);
        };
    }

    /** A value as people read it: grouped integers (16,910), at most four significant digits, never 1.691e+04. */
    public static String show(Object value) {
        if (value instanceof Double d) return Human.number(d);
        if (value instanceof Long || value instanceof Integer) return Human.number(((Number) value).longValue());
        if (value instanceof String s) return "\"" + s + "\"";
        return String.valueOf(value);
    }
}
