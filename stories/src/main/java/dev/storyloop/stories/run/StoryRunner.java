package dev.storyloop.stories.run;

import dev.storyloop.stories.catalog.Metric;
import dev.storyloop.stories.catalog.MetricCatalog;
import dev.storyloop.stories.scenario.Scenario;
import dev.storyloop.stories.scenario.ScenarioFile;

import dev.storyloop.device.live.DeviceFleet;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * Runs a story's scenario (every variant, in the simulated world), checks its claims, and writes
 * {@code results/}: {@code summary.md} and the plots. Results are written to a new folder first
 * and moved into place at the end, so a failed run leaves the old results as they were.
 */
public final class StoryRunner {
    /**
     * A story's run: the scenario, each variant's result, every claim checked, the numbers in its
     * prose checked, and the digest over all variants. A live run also carries the claims as its
     * simulated twin (same seed, same duration) measured them, one for one; a simulated run none.
     */
    public record StoryResult(Path storyDir, Scenario scenario, long seed, List<RunResult> runs, List<ClaimResult> claims, String digest,
                              String world, ProseCheck.Result prose, List<ClaimResult> simulatedClaims) {
        public StoryResult(Path storyDir, Scenario scenario, long seed, List<RunResult> runs, List<ClaimResult> claims, String digest,
                           String world, ProseCheck.Result prose) {
            this(storyDir, scenario, seed, runs, claims, digest, world, prose, List.of());
        }

        /** Whether the live verdict of claim {@code i} is the simulated twin's (true for a simulated run). */
        public boolean agreesWithSimulated(int i) {
            return simulatedClaims.isEmpty() || claims.get(i).passes() == simulatedClaims.get(i).passes();
        }

        /** How many claims live and simulated judge alike (all of them for a simulated run). */
        public long claimsAgreeing() {
            long agreeing = 0;
            for (int i = 0; i < claims.size(); i++) if (agreesWithSimulated(i)) agreeing++;
            return agreeing;
        }

        /** What each variant's live run could not realise, by variant, those with nothing left out omitted. */
        public SortedMap<String, String> notRealised() {
            SortedMap<String, String> left = new TreeMap<>();
            for (RunResult run : runs) {
                Object what = run.metrics().get("not_realised");
                if (what instanceof String text && !text.isEmpty()) left.put(run.variant(), text);
            }
            return left;
        }

        public boolean live() {
            return !world.equals(SIMULATED);
        }

        /** Whether every claim agrees with the story (holds, or is refuted where the story says so) and so does its prose. */
        public boolean holds() {
            return claims.stream().allMatch(ClaimResult::passes) && prose.agrees();
        }

        public long claimsHeld() {
            return claims.stream().filter(c -> c.passes() && !c.claim().refuted()).count();
        }

        public long refutedAsExpected() {
            return claims.stream().filter(ClaimResult::refutedAsExpected).count();
        }

        public long claimsFailed() {
            return claims.stream().filter(c -> !c.passes()).count();
        }

        public SortedMap<String, Object> metrics() {
            SortedMap<String, Object> all = new TreeMap<>();
            for (RunResult run : runs) run.metrics().forEach((k, v) -> all.put(run.variant() + "." + k, v));
            return all;
        }
    }

    static final String SIMULATED = "simulated";

    private StoryRunner() {}

    public static StoryResult run(Path storyDir, Long seedOverride) throws ScenarioFile.Invalid {
        return run(storyDir, seedOverride, SimRunner.Progress.NONE);
    }

    public static StoryResult run(Path storyDir, Long seedOverride, SimRunner.Progress progress) throws ScenarioFile.Invalid {
        Scenario scenario = ScenarioFile.readChecked(storyDir.resolve("scenario.yaml"), Metric.World.SIMULATED);
        long seed = seedOverride != null ? seedOverride : scenario.seed();
        List<RunResult> runs = new ArrayList<>();
        for (Scenario.Variant variant : scenario.variants()) runs.add(SimRunner.run(scenario, variant, seed, progress));
        return checked(storyDir, scenario, seed, runs, digest(runs), SIMULATED);
    }

    /**
     * Runs every variant live against the broker {@code brokers} gives for the scenario's broker
     * section (closed at the end) for {@code durationNanos} each (null: the scenario's duration),
     * and checks the same claims against what the live world measured and against its simulated
     * twin: the same scenario and seed cut to the same duration.
     */
    public static StoryResult runLive(Path storyDir, Long seedOverride, Function<Scenario.Broker, LiveBroker> brokers, Long durationNanos)
            throws Exception {
        return runLive(storyDir, seedOverride, brokers, durationNanos, DeviceFleet.Settings.defaults());
    }

    /** As {@link #runLive(Path, Long, Function, Long)}, with the live fleet's loop threads, connects in flight and connect wait. */
    public static StoryResult runLive(Path storyDir, Long seedOverride, Function<Scenario.Broker, LiveBroker> brokers, Long durationNanos,
                                      DeviceFleet.Settings fleet) throws Exception {
        // Checked against the story's own world: a claim on a metric the live world cannot produce is a no-data result, not an error.
        Scenario scenario = ScenarioFile.readChecked(storyDir.resolve("scenario.yaml"), Metric.World.SIMULATED);
        long seed = seedOverride != null ? seedOverride : scenario.seed();
        long duration = durationNanos != null ? durationNanos : scenario.duration().nanos();
        List<RunResult> runs = new ArrayList<>();
        String where;
        try (LiveBroker broker = brokers.apply(scenario.broker())) {
            where = broker.url() + (broker.controllable() ? " (started by the runner)" : "");
            for (Scenario.Variant variant : scenario.variants()) runs.add(LiveRunner.run(scenario, variant, seed, broker, duration, fleet));
        }
        Scenario twin = scenario.shortenedTo(new Scenario.Duration(duration));
        List<RunResult> simulated = new ArrayList<>();
        for (Scenario.Variant variant : twin.variants()) simulated.add(SimRunner.run(twin, variant, seed));
        SortedMap<String, Object> twinMetrics = new StoryResult(storyDir, twin, seed, simulated, List.of(), "", SIMULATED,
                new ProseCheck.Result(List.of(), List.of())).metrics();
        List<ClaimResult> twinClaims = new ArrayList<>();
        for (Scenario.Claim claim : scenario.expect()) twinClaims.add(ClaimResult.check(claim, twinMetrics));
        StoryResult live = checked(storyDir, scenario, seed, runs, "live runs are not deterministic: no digest",
                "live against " + where + ", " + duration / 1_000_000_000L + " s per variant");
        return new StoryResult(live.storyDir(), live.scenario(), live.seed(), live.runs(), live.claims(), live.digest(), live.world(),
                live.prose(), List.copyOf(twinClaims));
    }

    private static StoryResult checked(Path storyDir, Scenario scenario, long seed, List<RunResult> runs, String digest, String world) {
        ProseCheck.Result none = new ProseCheck.Result(List.of(), List.of());
        SortedMap<String, Object> metrics = new StoryResult(storyDir, scenario, seed, runs, List.of(), digest, world, none).metrics();
        if (!world.equals(SIMULATED)) {
            for (Scenario.Claim claim : scenario.expect()) {
                for (String named : new String[] {claim.metric(), claim.other()}) {
                    if (named == null || metrics.containsKey(named)) continue;
                    MetricCatalog.find(named.substring(named.indexOf('.') + 1)).filter(m -> !m.in(Metric.World.LIVE))
                            .ifPresent(m -> metrics.put(named, new NoData("not produced live (only " + m.worldsText() + ")")));
                }
            }
        }
        List<ClaimResult> claims = new ArrayList<>();
        for (Scenario.Claim claim : scenario.expect()) claims.add(ClaimResult.check(claim, metrics));
        ProseCheck.Result prose = none;
        Path story = storyDir.resolve("story.md");
        // The prose is written for the scenario's own seed and world; another seed or a live run measures other numbers.
        boolean comparable = seed == scenario.seed() && world.equals(SIMULATED);
        if (comparable && Files.isRegularFile(story)) {
            try {
                prose = ProseCheck.check(Files.readString(story), scenario, metrics);
            } catch (IOException e) {
                prose = new ProseCheck.Result(List.of(), List.of(story + ": cannot read: " + e.getMessage()));
            }
        }
        return new StoryResult(storyDir, scenario, seed, runs, List.copyOf(claims), digest, world, prose);
    }

    static String digest(List<RunResult> runs) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            for (RunResult run : runs) sha.update((run.variant() + " " + run.digest() + "\n").getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(sha.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required by every JDK", e);
        }
    }

    /** The claims as a text table for the terminal. */
    public static String claimsTable(StoryResult result) {
        StringBuilder out = new StringBuilder();
        int width = 10;
        int idWidth = 2;
        for (ClaimResult c : result.claims()) {
            width = Math.max(width, c.claim().claim().length());
            idWidth = Math.max(idWidth, c.claim().id().length());
        }
        String row = "  %-4s %-" + idWidth + "s  %-" + width + "s  %-40s  %s%n";
        out.append(String.format(Locale.ROOT, row, "", "id", "claim", "expected", "measured"));
        for (int i = 0; i < result.claims().size(); i++) {
            ClaimResult c = result.claims().get(i);
            String measured = c.measured() + (c.claim().refuted() && !c.noData() ? " (" + c.verdict() + ")" : "");
            if (!result.simulatedClaims().isEmpty()) {
                ClaimResult twin = result.simulatedClaims().get(i);
                measured += "; simulated " + twin.measured() + (result.agreesWithSimulated(i) ? ", agrees" : ", DISAGREES");
            }
            out.append(String.format(Locale.ROOT, row, c.passes() ? "ok" : "FAIL", c.claim().id(), c.claim().claim(), c.claim().describe(),
                    measured));
        }
        if (!result.notRealised().isEmpty()) {
            result.notRealised().forEach((variant, what) -> out.append("  not realised live in ").append(variant).append(": ").append(what).append("\n"));
        }
        for (String problem : result.prose().problems()) out.append("  FAIL ").append(problem).append("\n");
        if (!result.prose().checked().isEmpty() && result.prose().agrees()) {
            out.append("  ok   story.md: ").append(result.prose().checked().size()).append(" linked number(s) match the run\n");
        }
        return out.toString();
    }

    /** Writes {@code results/} (or {@code out}) for {@code result}; replaces what was there only once all is written. */
    public static Path writeResults(StoryResult result, Path out, String version) throws IOException {
        Path target = out != null ? out : result.storyDir().resolve(result.live() ? "results-live" : "results");
        Path parent = target.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        Path staging = Files.createTempDirectory(parent, ".results-");
        try {
            Files.writeString(staging.resolve("summary.md"), summary(result, version));
            for (String plot : plots(result)) {
                MetricCatalog.Series series = MetricCatalog.findSeries(plot).orElseThrow();
                Files.writeString(staging.resolve(plotFile(plot)), chart(result, series));
            }
            Files.writeString(staging.resolve("latency.svg"), latencyChart(result));
            Files.writeString(staging.resolve("memory.svg"), memoryChart(result));
            deleteTree(target);
            Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            deleteTree(staging);
        }
        return target;
    }

    /** The series a result plots: its scenario's, less those its world does not produce (a live run has no broker series). */
    static List<String> plots(StoryResult result) {
        Metric.World world = result.live() ? Metric.World.LIVE : Metric.World.SIMULATED;
        return plots(result.scenario()).stream().filter(p -> MetricCatalog.findSeries(p).orElseThrow().in(world)).toList();
    }

    /** The series a scenario plots: its {@code plots}, or the catalog's default ones. */
    public static List<String> plots(Scenario scenario) {
        return scenario.plots().isEmpty() ? MetricCatalog.DEFAULT_PLOTS : scenario.plots();
    }

    /** A plot's file name; the three default plots keep the names they always had. */
    public static String plotFile(String series) {
        return switch (series) {
            case "buffered" -> "queue-depth.svg";
            case "received" -> "throughput.svg";
            case "connects" -> "connects.svg";
            default -> series.replace('.', '-').replace('_', '-') + ".svg";
        };
    }

    private static String chart(StoryResult result, MetricCatalog.Series chosen) {
        List<Svg.Series> series = new ArrayList<>();
        for (RunResult run : result.runs()) {
            List<RunResult.Sample> samples = run.series().stream().filter(s -> s.get(chosen.name()) != null).toList();
            double[] x = new double[samples.size()];
            double[] y = new double[samples.size()];
            for (int i = 0; i < x.length; i++) {
                x[i] = samples.get(i).seconds();
                y[i] = samples.get(i).get(chosen.name());
            }
            series.add(new Svg.Series(run.variant(), x, y));
        }
        return Svg.lineChart(chosen.title(), (result.live() ? "time" : "simulated time") + " (s)", chosen.unit(), series);
    }

    /** One device's memory map per variant, against its RAM budget (a boot failure shows past the line). */
    private static String memoryChart(StoryResult result) {
        List<Svg.MemoryBar> bars = new ArrayList<>();
        for (RunResult run : result.runs()) {
            if (run.memory().isEmpty()) continue;
            List<String> regions = new ArrayList<>();
            List<Long> bytes = new ArrayList<>();
            for (dev.storyloop.device.memory.Reservation r : run.memory()) {
                regions.add(r.what());
                bytes.add(r.bytes());
            }
            bars.add(new Svg.MemoryBar(run.variant(), run.ramBytes(), regions, bytes));
        }
        return Svg.memoryMap("RAM of one device, as reserved at boot", bars);
    }

    /** The publish latency distribution: for each variant, latency (x) at each percentile (y). */
    private static String latencyChart(StoryResult result) {
        List<Svg.Series> series = new ArrayList<>();
        for (RunResult run : result.runs()) {
            double[] curve = run.latencyPercentilesMs();
            if (curve.length == 0) continue;
            double[] percentile = new double[curve.length];
            for (int p = 0; p < curve.length; p++) percentile[p] = p;
            series.add(new Svg.Series(run.variant(), curve, percentile));
        }
        return Svg.lineChart("Publish latency: reading taken to frame at the gateway", "latency (ms)", "percentile", series);
    }

    static String summary(StoryResult result, String version) {
        Scenario s = result.scenario();
        StringBuilder md = new StringBuilder();
        md.append("# Results: ").append(s.title()).append("\n\n");
        if (result.live()) {
            // A live run says first what it did not realise: a claim about something that did not happen proves nothing.
            md.append("## Not realised live\n\n");
            if (result.notRealised().isEmpty()) md.append("Nothing: every event of the scenario happened in this live run.\n\n");
            result.notRealised().forEach((variant, what) -> md.append("- ").append(variant).append(": ").append(cell(what)).append("\n"));
            if (!result.notRealised().isEmpty()) md.append("\n");
            md.append("Live and simulated (the same seed and duration) judge ").append(result.claimsAgreeing()).append(" of ")
                    .append(result.claims().size()).append(" claims alike.\n\n");
        }
        if (!s.summary().isEmpty()) md.append(s.summary()).append("\n\n");
        md.append("Generated by `./storyloop run ").append(shownPath(result.storyDir())).append(" --seed ").append(result.seed())
                .append(result.live() ? " --live [--broker URL]" : "").append("` (").append(result.world()).append(", storyloop ")
                .append(version).append("); every number below comes from that run.\n\n");
        md.append("Trace digest: `").append(result.digest()).append("`\n\n");
        if (!result.live()) {
            // Traces run to hundreds of megabytes: the summary gives the command that re-records one (same digest) and opens it.
            md.append("Traces: replay a variant in the console, opened at its first warning:\n\n");
            for (RunResult run : result.runs()) {
                md.append("- ").append(run.variant()).append(": `./storyloop replay ").append(shownPath(result.storyDir())).append(" --variant ")
                        .append(run.variant()).append(" --seed ").append(result.seed()).append("`\n");
            }
            md.append("\n");
        }
        boolean twin = !result.simulatedClaims().isEmpty();
        md.append("## Claims\n\n| id | claim | expected | measured | verdict |").append(twin ? " simulated | live agrees |" : "")
                .append("\n|---|---|---|---|---|").append(twin ? "---|---|" : "").append("\n");
        for (int i = 0; i < result.claims().size(); i++) {
            ClaimResult c = result.claims().get(i);
            String verdict = c.passes() ? c.verdict() : "**" + c.verdict() + "**";
            md.append("| <a id=\"").append(c.claim().id()).append("\"></a>`").append(c.claim().id()).append("` | ").append(cell(c.claim().claim()))
                    .append(" | `").append(cell(c.claim().describe())).append("` | ").append(cell(c.measured()))
                    .append(" | ").append(verdict).append(" |");
            if (twin) {
                ClaimResult sim = result.simulatedClaims().get(i);
                md.append(" ").append(cell(sim.measured())).append(", ").append(sim.verdict()).append(" | ")
                        .append(result.agreesWithSimulated(i) ? "yes" : "**no**").append(" |");
            }
            md.append("\n");
        }
        md.append("\nTally: ").append(result.claimsHeld()).append(" held, ").append(result.refutedAsExpected())
                .append(" refuted as the story says, ").append(result.claimsFailed()).append(" failed.\n");
        if (!result.prose().checked().isEmpty() || !result.prose().problems().isEmpty()) {
            md.append("\nNumbers in story.md linked to these results: ").append(result.prose().checked().size()).append(" checked, ")
                    .append(result.prose().problems().isEmpty() ? "all match the run.\n" : result.prose().problems().size() + " do not match:\n\n");
            for (String problem : result.prose().problems()) md.append("- ").append(cell(problem)).append("\n");
        }
        table(md, "Comparison", "The metrics the claims name (or the scenario's `compare`), across variants.", result, compared(s));
        List<String> key = MetricCatalog.KEY_METRICS.stream().filter(k -> result.runs().stream().anyMatch(r -> r.metrics().containsKey(k))).toList();
        table(md, "Key metrics", "What each metric means: " + metricsLink(result.storyDir()) + ".", result, key);
        md.append("\n## Plots\n\n");
        for (String plot : plots(result)) {
            md.append("![").append(MetricCatalog.findSeries(plot).orElseThrow().title()).append("](").append(plotFile(plot)).append(")\n\n");
        }
        md.append("![Publish latency distribution](latency.svg)\n\n![RAM of one device](memory.svg)\n");
        for (RunResult run : result.runs()) {
            Object error = run.metrics().get("boot_error");
            md.append("\n## Memory of one device: ").append(run.variant()).append("\n\n```\n")
                    .append(error != null ? error : run.memoryMap().strip()).append("\n```\n");
        }
        md.append("\n## Scenario\n\n`scenario.yaml`: ").append(s.devices().count()).append(" device(s), ").append(s.duration())
                .append(" of ").append(result.live() ? "" : "simulated ").append("time, seed ").append(result.seed()).append(", variants: ");
        List<String> variants = new ArrayList<>();
        for (Scenario.Variant v : s.variants()) {
            variants.add(v.name() + (v.overrides().isEmpty() ? "" : " (sets " + String.join(", ", v.overrides()) + ")"));
        }
        md.append(String.join("; ", variants)).append(".\n");
        md.append("\n## All metrics\n\nEach value has an anchor `#").append(ProseCheck.METRIC_ANCHOR)
                .append("VARIANT.metric` that story.md can link to (a linked number is checked against it).\n\n| metric |");
        for (RunResult run : result.runs()) md.append(" ").append(run.variant()).append(" |");
        md.append("\n|---|");
        for (int i = 0; i < result.runs().size(); i++) md.append("---|");
        md.append("\n");
        java.util.SortedSet<String> names = new java.util.TreeSet<>();
        for (RunResult run : result.runs()) names.addAll(run.metrics().keySet());
        for (String name : names) {
            md.append("| ").append(name).append(" |");
            for (RunResult run : result.runs()) {
                Object value = run.metrics().get(name);
                md.append(" ");
                if (value != null) md.append("<a id=\"").append(ProseCheck.METRIC_ANCHOR).append(run.variant()).append('.').append(name).append("\"></a>")
                        .append(cell(ClaimResult.show(value)));
                else md.append("–");
                md.append(" |");
            }
            md.append("\n");
        }
        return md.toString();
    }

    /** The metrics compared across variants: the scenario's {@code compare}, or those its claims name, in order. */
    static List<String> compared(Scenario s) {
        if (!s.compare().isEmpty()) return s.compare();
        java.util.LinkedHashSet<String> names = new java.util.LinkedHashSet<>();
        for (Scenario.Claim c : s.expect()) {
            names.add(c.metric().substring(c.metric().indexOf('.') + 1));
            if (c.other() != null) names.add(c.other().substring(c.other().indexOf('.') + 1));
        }
        return List.copyOf(names);
    }

    private static void table(StringBuilder md, String title, String note, StoryResult result, List<String> metrics) {
        md.append("\n## ").append(title).append("\n\n").append(note).append("\n\n| metric |");
        for (RunResult run : result.runs()) md.append(" ").append(run.variant()).append(" |");
        md.append("\n|---|");
        for (int i = 0; i < result.runs().size(); i++) md.append("---|");
        md.append("\n");
        for (String key : metrics) {
            md.append("| ").append(key).append(" |");
            for (RunResult run : result.runs()) {
                Object value = run.metrics().get(key);
                md.append(" ").append(value == null ? "–" : cell(ClaimResult.show(value))).append(" |");
            }
            md.append("\n");
        }
    }

    private static String cell(String text) {
        return text.replace("|", "\\|").replace("\n", " ");
    }

    /**
     * The story folder as the reproduce line names it: {@code stories/SLUG} for a story in a folder
     * named {@code stories} (run from the repository's root), otherwise the path as given.
     */
    static String shownPath(Path storyDir) {
        Path normal = storyDir.normalize();
        Path parent = normal.toAbsolutePath().normalize().getParent();
        if (parent != null && parent.getFileName() != null && parent.getFileName().toString().equals("stories")) {
            return "stories/" + normal.toAbsolutePath().normalize().getFileName();
        }
        return normal.toString().isEmpty() ? "." : normal.toString();
    }

    /** A link to stories/METRICS.md from the story's results folder, or the command that lists the metrics. */
    private static String metricsLink(Path storyDir) {
        Path parent = storyDir.toAbsolutePath().normalize().getParent();
        return parent != null && parent.getFileName() != null && parent.getFileName().toString().equals("stories")
                ? "[stories/METRICS.md](../../METRICS.md)" : "`./storyloop metrics`";
    }

    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) return;
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) Files.delete(p);
        }
    }

    /** The story folders under {@code root}: those with a scenario.yaml, sorted. */
    public static List<Path> stories(Path root) throws IOException {
        try (Stream<Path> list = Files.list(root)) {
            return list.filter(p -> Files.isRegularFile(p.resolve("scenario.yaml"))).sorted().toList();
        }
    }

    /** For tests: the metrics of every variant, flat. */
    static Map<String, Object> flat(StoryResult result) {
        return result.metrics();
    }
}
