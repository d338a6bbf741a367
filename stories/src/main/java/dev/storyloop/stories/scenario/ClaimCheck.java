package dev.storyloop.stories.scenario;

import dev.storyloop.stories.catalog.Metric;
import dev.storyloop.stories.catalog.MetricCatalog;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Checks a scenario's claims, plots and comparisons against its variants and the metric catalog
 * before anything runs: an unknown variant or metric (with the closest names), a value of the wrong
 * type for the metric's kind, an operator that cannot compare it, a metric the chosen world does not
 * produce. Each problem names the file and the line of the claim.
 */
public final class ClaimCheck {
    /** A link in story.md to one of the results: group 1 the text, group 2 the anchor. */
    public static final Pattern PROSE_LINK = Pattern.compile("\\[([^\\]]+)\\]\\((?:\\./)?results/summary\\.md#([^)\\s]+)\\)");
    /** The prefix of a metric anchor in summary.md: {@code m-VARIANT.METRIC}. */
    public static final String METRIC_ANCHOR = "m-";
    /** The sections of summary.md a link may point to (as a reference, not a figure). */
    public static final java.util.Set<String> SUMMARY_SECTIONS = java.util.Set.of("claims", "comparison", "key-metrics", "plots", "scenario", "all-metrics");

    private ClaimCheck() {}

    /**
     * Links in story.md whose target cannot exist for this scenario (no such claim id, variant or metric), found before
     * anything runs; whether a linked number matches is checked after the run ({@code ProseCheck}).
     */
    public static List<String> linkProblems(String storyMarkdown, Scenario scenario) {
        List<String> problems = new ArrayList<>();
        List<String> variants = scenario.variants().stream().map(Scenario.Variant::name).toList();
        List<String> ids = scenario.expect().stream().map(Scenario.Claim::id).toList();
        String[] lines = storyMarkdown.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            java.util.regex.Matcher m = PROSE_LINK.matcher(lines[i]);
            while (m.find()) {
                String anchor = m.group(2);
                if (SUMMARY_SECTIONS.contains(anchor) || anchor.startsWith("memory-of-one-device") || ids.contains(anchor)) continue;
                String where = "story.md:" + (i + 1) + ": [" + m.group(1).trim() + "] links to #" + anchor + ": ";
                if (anchor.startsWith(METRIC_ANCHOR)) {
                    metric(where, "link", anchor.substring(METRIC_ANCHOR.length()), variants, Metric.World.SIMULATED, problems);
                } else {
                    problems.add(where + "no claim has that id" + didYouMean(anchor, ids) + "; a metric is linked as #" + METRIC_ANCHOR
                            + "VARIANT.metric");
                }
            }
        }
        return problems;
    }

    /** Every problem, one line each, or an empty list; {@code text} is the file's text, for line numbers. */
    public static List<String> problems(String file, String text, Scenario scenario, Metric.World world) {
        List<String> problems = new ArrayList<>();
        List<String> variants = scenario.variants().stream().map(Scenario.Variant::name).toList();
        for (Scenario.Claim claim : scenario.expect()) {
            String where = file + ":" + lineOf(text, "id:\\s*[\"']?" + Pattern.quote(claim.id()) + "[\"']?\\s*(#.*)?$") + ": claim '" + claim.id() + "': ";
            Metric left = metric(where, "metric", claim.metric(), variants, world, problems);
            Metric right = claim.other() == null ? null : metric(where, "other", claim.other(), variants, world, problems);
            if (left == null) continue;
            boolean numeric = left.kind().numeric();
            if (claim.op().equals("contains") && numeric) {
                problems.add(where + "op 'contains' needs a text, but " + left.name() + " is a " + left.kind().label() + " (a number)");
            } else if (!numeric && List.of("<", "<=", ">", ">=").contains(claim.op())) {
                problems.add(where + "op '" + claim.op() + "' needs a number, but " + left.name() + " is a " + left.kind().label()
                        + " (a text); use ==, != or contains");
            }
            if (claim.value() != null) {
                if (numeric && !(claim.value() instanceof Number)) {
                    problems.add(where + "value " + shown(claim.value()) + " is not a number, but " + left.name() + " is a " + left.kind().label()
                            + " in " + left.unit());
                } else if (!numeric && !(claim.value() instanceof String)) {
                    problems.add(where + "value " + shown(claim.value()) + " is not a text, but " + left.name() + " is a " + left.kind().label()
                            + "; write it in quotes");
                }
            }
            if (right != null && right.kind().numeric() != numeric) {
                problems.add(where + left.name() + " (" + left.kind().label() + ") cannot be compared with " + right.name() + " (" + right.kind().label() + ")");
            }
            if (claim.tolerance() != null && !numeric) problems.add(where + "tolerance needs a number, but " + left.name() + " is a " + left.kind().label());
        }
        for (String plot : scenario.plots()) {
            int line = lineOf(text, "^\\s*(-\\s*|plots:.*)" + Pattern.quote(plot) + "\\b");
            if (MetricCatalog.findSeries(plot).isEmpty()) {
                problems.add(file + ":" + line + ": plots: unknown series '" + plot + "'"
                        + didYouMean(plot, MetricCatalog.series().stream().map(MetricCatalog.Series::name).toList()));
            } else if (!MetricCatalog.findSeries(plot).get().in(world)) {
                problems.add(file + ":" + line + ": plots: series '" + plot + "' is not produced " + in(world));
            }
        }
        for (String name : scenario.compare()) {
            int line = lineOf(text, "^\\s*(-\\s*|compare:.*)" + Pattern.quote(name) + "\\b");
            if (MetricCatalog.find(name).isEmpty()) {
                problems.add(file + ":" + line + ": compare: unknown metric '" + name + "'" + didYouMean(name, MetricCatalog.names()));
            }
        }
        return problems;
    }

    private static Metric metric(String where, String key, String qualified, List<String> variants, Metric.World world, List<String> problems) {
        int dot = qualified.indexOf('.');
        if (dot <= 0) {
            problems.add(where + key + " '" + qualified + "' must be VARIANT.metric, one of the variants " + variants);
            return null;
        }
        String variant = qualified.substring(0, dot);
        String name = qualified.substring(dot + 1);
        boolean ok = true;
        if (!variants.contains(variant)) {
            problems.add(where + key + ": unknown variant '" + variant + "'" + didYouMean(variant, variants) + "; the variants are " + variants);
            ok = false;
        }
        Metric metric = MetricCatalog.find(name).orElse(null);
        if (metric == null) {
            problems.add(where + key + ": unknown metric '" + name + "'" + didYouMean(name, MetricCatalog.names())
                    + "; ./storyloop metrics lists them all");
            return null;
        }
        if (!metric.in(world)) {
            problems.add(where + key + ": metric '" + name + "' is not produced " + in(world) + " (only " + metric.worldsText() + ")");
            return null;
        }
        return ok ? metric : null;
    }

    private static String in(Metric.World world) {
        return world == Metric.World.LIVE ? "live (--live)" : "in the simulated world";
    }

    private static String didYouMean(String wanted, List<String> names) {
        List<String> close = MetricCatalog.closest(wanted, names);
        return close.isEmpty() ? "" : " (did you mean " + String.join(" or ", close.stream().map(n -> "'" + n + "'").toList()) + "?)";
    }

    private static String shown(Object value) {
        return value instanceof String s ? "\"" + s + "\"" : String.valueOf(value);
    }

    /** The first line matching {@code regex} (1-based), or 0. */
    static int lineOf(String text, String regex) {
        String[] lines = text.split("\n", -1);
        Pattern p = Pattern.compile(regex);
        for (int i = 0; i < lines.length; i++) {
            if (p.matcher(lines[i]).find()) return i + 1;
        }
        return 0;
    }
}
