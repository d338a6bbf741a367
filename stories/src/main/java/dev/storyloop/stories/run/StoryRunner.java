package dev.storyloop.stories.run;

import dev.storyloop.stories.scenario.Scenario;
import dev.storyloop.stories.scenario.ScenarioFile;

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
    static final List<String> KEY_METRICS = List.of("device.sampled", "device.delivered", "device.dropped", "device.send_waits",
            "device.peak_buffered", "device.connects", "gateway.received", "gateway.missing", "gateway.duplicates",
            "broker.dropped", "lost_waker_reports", "long_poll_reports", "connect_rate_peak", "reconnect_rate_peak",
            "reconnect_seconds", "publish_latency_p50_ms", "publish_latency_p99_ms", "poll_duration_max_ms", "boot_failed");

    /** A story's run: the scenario, each variant's result, every claim checked, and the digest over all variants. */
    public record StoryResult(Path storyDir, Scenario scenario, long seed, List<RunResult> runs, List<ClaimResult> claims, String digest,
                              String world) {
        public boolean live() {
            return !world.equals(SIMULATED);
        }

        public boolean holds() {
            return claims.stream().allMatch(ClaimResult::holds);
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
        Scenario scenario = ScenarioFile.read(storyDir.resolve("scenario.yaml"));
        long seed = seedOverride != null ? seedOverride : scenario.seed();
        List<RunResult> runs = new ArrayList<>();
        for (Scenario.Variant variant : scenario.variants()) runs.add(SimRunner.run(scenario, variant, seed, progress));
        return checked(storyDir, scenario, seed, runs, digest(runs), SIMULATED);
    }

    /**
     * Runs every variant live against the broker {@code brokers} gives for the scenario's broker
     * section (closed at the end) for {@code durationNanos} each (null: the scenario's duration),
     * and checks the same claims against what the live world measured.
     */
    public static StoryResult runLive(Path storyDir, Long seedOverride, Function<Scenario.Broker, LiveBroker> brokers, Long durationNanos)
            throws Exception {
        Scenario scenario = ScenarioFile.read(storyDir.resolve("scenario.yaml"));
        long seed = seedOverride != null ? seedOverride : scenario.seed();
        long duration = durationNanos != null ? durationNanos : scenario.duration().nanos();
        List<RunResult> runs = new ArrayList<>();
        String where;
        try (LiveBroker broker = brokers.apply(scenario.broker())) {
            where = broker.url() + (broker.controllable() ? " (started by the runner)" : "");
            for (Scenario.Variant variant : scenario.variants()) runs.add(LiveRunner.run(scenario, variant, seed, broker, duration));
        }
        return checked(storyDir, scenario, seed, runs, "live runs are not deterministic: no digest",
                "live against " + where + ", " + duration / 1_000_000_000L + " s per variant");
    }

    private static StoryResult checked(Path storyDir, Scenario scenario, long seed, List<RunResult> runs, String digest, String world) {
        StoryResult partial = new StoryResult(storyDir, scenario, seed, runs, List.of(), digest, world);
        SortedMap<String, Object> metrics = partial.metrics();
        List<ClaimResult> claims = new ArrayList<>();
        for (Scenario.Claim claim : scenario.expect()) claims.add(ClaimResult.check(claim, metrics));
        return new StoryResult(storyDir, scenario, seed, runs, List.copyOf(claims), digest, world);
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
        for (ClaimResult c : result.claims()) width = Math.max(width, c.claim().claim().length());
        String row = "  %-4s %-" + width + "s  %-40s  %s%n";
        out.append(String.format(Locale.ROOT, row, "", "claim", "expected", "measured"));
        for (ClaimResult c : result.claims()) {
            out.append(String.format(Locale.ROOT, row, c.holds() ? "ok" : "FAIL", c.claim().claim(), c.claim().describe(), c.measured()));
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
            Files.writeString(staging.resolve("queue-depth.svg"), chart(result, "Frames held in device RAM (all devices)", "frames",
                    s -> s.buffered()));
            Files.writeString(staging.resolve("throughput.svg"), chart(result, "Frames received by the gateway per second", "frames/s",
                    s -> s.receivedInSecond()));
            Files.writeString(staging.resolve("connects.svg"), chart(result, "Device connects per second", "connects/s",
                    s -> s.connectsInSecond()));
            Files.writeString(staging.resolve("latency.svg"), latencyChart(result));
            Files.writeString(staging.resolve("memory.svg"), memoryChart(result));
            deleteTree(target);
            Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            deleteTree(staging);
        }
        return target;
    }

    private static String chart(StoryResult result, String title, String unit, java.util.function.ToLongFunction<RunResult.Sample> value) {
        List<Svg.Series> series = new ArrayList<>();
        for (RunResult run : result.runs()) {
            double[] x = new double[run.series().size()];
            double[] y = new double[run.series().size()];
            for (int i = 0; i < x.length; i++) {
                x[i] = run.series().get(i).seconds();
                y[i] = value.applyAsLong(run.series().get(i));
            }
            series.add(new Svg.Series(run.variant(), x, y));
        }
        return Svg.lineChart(title, "simulated time (s)", unit, series);
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
        String slug = result.storyDir().getFileName().toString();
        StringBuilder md = new StringBuilder();
        md.append("# Results: ").append(s.title()).append("\n\n");
        if (!s.summary().isEmpty()) md.append(s.summary()).append("\n\n");
        md.append("Generated by `./storyloop run stories/").append(slug).append(" --seed ").append(result.seed())
                .append(result.live() ? " --live [--broker URL]" : "").append("` (").append(result.world()).append(", storyloop ")
                .append(version).append("); every number below comes from that run.\n\n");
        md.append("Trace digest: `").append(result.digest()).append("`\n\n");
        if (!result.live()) {
            // Traces run to hundreds of megabytes: the summary gives the command that re-records one (same digest) and opens it.
            md.append("Traces: replay a variant in the console, opened at its first warning:\n\n");
            for (RunResult run : result.runs()) {
                md.append("- ").append(run.variant()).append(": `./storyloop replay stories/").append(slug).append(" --variant ")
                        .append(run.variant()).append(" --seed ").append(result.seed()).append("`\n");
            }
            md.append("\n");
        }
        md.append("## Claims\n\n| # | claim | expected | measured | holds |\n|---|---|---|---|---|\n");
        for (int i = 0; i < result.claims().size(); i++) {
            ClaimResult c = result.claims().get(i);
            md.append("| <a id=\"claim-").append(i + 1).append("\"></a>").append(i + 1).append(" | ").append(c.claim().claim())
                    .append(" | `").append(c.claim().describe()).append("` | ").append(c.measured().replace("|", "\\|"))
                    .append(" | ").append(c.holds() ? "yes" : "**no**").append(" |\n");
        }
        md.append("\n## Key metrics\n\n| metric |");
        for (RunResult run : result.runs()) md.append(" ").append(run.variant()).append(" |");
        md.append("\n|---|");
        for (int i = 0; i < result.runs().size(); i++) md.append("---|");
        md.append("\n");
        for (String key : KEY_METRICS) {
            md.append("| ").append(key).append(" |");
            for (RunResult run : result.runs()) {
                Object value = run.metrics().get(key);
                md.append(" ").append(value == null ? "–" : ClaimResult.show(value)).append(" |");
            }
            md.append("\n");
        }
        md.append("\n## Plots\n\n![Frames held in device RAM](queue-depth.svg)\n\n![Frames received per second](throughput.svg)\n\n")
                .append("![Device connects per second](connects.svg)\n\n![Publish latency distribution](latency.svg)\n\n")
                .append("![RAM of one device](memory.svg)\n");
        for (RunResult run : result.runs()) {
            Object error = run.metrics().get("boot_error");
            md.append("\n## Memory of one device: ").append(run.variant()).append("\n\n```\n")
                    .append(error != null ? error : run.memoryMap().strip()).append("\n```\n");
        }
        md.append("\n## Scenario\n\n`scenario.yaml`: ").append(s.devices().count()).append(" device(s), ").append(s.duration())
                .append(" of simulated time, seed ").append(result.seed()).append(", variants: ");
        md.append(String.join(", ", result.runs().stream().map(RunResult::variant).toList())).append(".\n");
        return md.toString();
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
