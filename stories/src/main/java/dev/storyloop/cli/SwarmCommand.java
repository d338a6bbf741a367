package dev.storyloop.cli;

import dev.storyloop.stories.swarm.DeterminismCheck;
import dev.storyloop.stories.swarm.Invariants;
import dev.storyloop.stories.swarm.Shards;
import dev.storyloop.stories.swarm.Shrinker;
import dev.storyloop.stories.swarm.Swarm;
import dev.storyloop.stories.swarm.SwarmRun;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLong;

/** {@code storyloop swarm}: draws worlds from seeds, runs them simulated, checks the invariants; shrinks, shards and merges. */
@Command(name = "swarm", mixinStandardHelpOptions = true, subcommands = SwarmMergeCommand.class,
        description = "Swarm testing: each seed draws a world (fleet, firmware, network faults, broker restarts, gateway stops), "
                + "runs it in the simulated world and checks the invariants; a failure names the seed that reproduces it.")
final class SwarmCommand implements Callable<Integer> {
    static final long COUNT_MAX = 1_000_000_000L;
    /** Differing seeds a determinism check of a range lists (it counts them all). */
    static final int DIFFERENCES_SHOWN = 20;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--seed", description = "Run this one seed and print its world and metrics.")
    Long seed;

    @Option(names = "--count", defaultValue = "1000", description = "Seeds to run (default: ${DEFAULT-VALUE}).")
    long count;

    @Option(names = "--from", defaultValue = "1", description = "First seed (default: ${DEFAULT-VALUE}).")
    long from;

    @Option(names = "--threads", description = "Worker threads (default: the available processors).")
    Integer threads;

    @Option(names = "--plant", paramLabel = "FIRMWARE", defaultValue = "",
            description = "Firmware lines added to every drawn device, comma-separated, to see the invariants catch a known bug, "
                    + "e.g. \"loop: select-loses-reading\" or \"refresh-loses-wake: true, token-refresh: 2s, source-of-truth-one-in: 1\".")
    String plant;

    @Option(names = "--shrink", description = "With --seed: reduce the failing world step by step (fewer devices, fewer and shorter faults, "
            + "a shorter run, simpler firmware), keeping each step that still fails the same invariant; write the smallest as a scenario file.")
    boolean shrink;

    @Option(names = "--shrink-runs", defaultValue = "" + Shrinker.RUNS_DEFAULT,
            description = "With --shrink: the most worlds it may run (default: ${DEFAULT-VALUE}).")
    int shrinkRuns;

    @Option(names = "--shard", paramLabel = "I/N", description = "Run shard I of N (0 <= I < N) of the seeds --from/--count: "
            + "a contiguous share; with --out, its JSON result for `storyloop swarm merge`.")
    String shard;

    @Option(names = "--out", description = "Where to write: with --shrink, the folder of the scenario file (default: swarm-seed-N); "
            + "otherwise the JSON result of the run (default with --shard: swarm-shard-I-of-N.json; without: none).")
    Path out;

    @Mixin
    DeterminismOption determinism;

    @Override
    public Integer call() throws InterruptedException, IOException {
        CommandLine cli = spec.commandLine();
        PrintWriter out = cli.getOut();
        if (shrink && seed == null) throw new CommandLine.ParameterException(cli, "--shrink goes with --seed N");
        if (shrink && determinism.enabled) throw new CommandLine.ParameterException(cli, "--shrink and --check-determinism are separate runs");
        if (shard != null && seed != null) throw new CommandLine.ParameterException(cli, "--shard cuts --from/--count, not one --seed");
        if (seed != null && !shrink && this.out != null) throw new CommandLine.ParameterException(cli, "--out goes with --shrink or a range of seeds, not one --seed");
        if (shrinkRuns < 1 || shrinkRuns > Shrinker.RUNS_MAX) throw new CommandLine.ParameterException(cli, "--shrink-runs must be 1.." + Shrinker.RUNS_MAX);
        Swarm.World planted;
        try {
            planted = seed != null ? Swarm.draw(seed, plant) : null;
            if (seed == null && !plant.isBlank()) Swarm.draw(from, plant); // a bad plant is refused before anything runs
        } catch (IllegalStateException e) {
            throw new CommandLine.ParameterException(cli, "--plant: " + e.getMessage().lines().findFirst().orElse(""));
        }
        if (seed != null && determinism.enabled) return determinismOfOne(out, planted);
        if (seed != null && shrink) return shrink(cli, out, planted);
        if (seed != null) return one(out, planted);
        if (count < 1 || count > COUNT_MAX) throw new CommandLine.ParameterException(cli, "--count must be 1.." + COUNT_MAX);
        int workers = threads != null ? threads : Runtime.getRuntime().availableProcessors();
        if (workers < 1 || workers > 256) throw new CommandLine.ParameterException(cli, "--threads must be 1..256");
        Shards.Shard part;
        try {
            part = shard == null ? new Shards.Shard(0, 1) : Shards.Shard.parse(shard);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(cli, "--shard: " + e.getMessage());
        }
        long partFrom = part.from(from, count);
        long partCount = part.count(count);
        if (partCount == 0) throw new CommandLine.ParameterException(cli, "--shard " + part + " of " + count + " seed(s) has no seed; use fewer shards");
        if (determinism.enabled) return determinismOfRange(cli, out, partFrom, partCount, workers);

        ProgressLine progress = new ProgressLine(cli.getErr());
        AtomicLong done = new AtomicLong();
        SwarmRun.Report report = SwarmRun.run(partFrom, partCount, workers, plant, verdict -> {
            long n = done.incrementAndGet();
            synchronized (progress) {
                progress.items("swarm", n, partCount, "seeds");
            }
        });
        progress.finish();
        Shards.Result result = Shards.result(report, from, count, part, plant, StoryloopCli.version());
        printFailures(out, result);
        out.printf(Locale.ROOT, "swarm: %d seed(s) from %d%s, %d failed; %.0f simulated seconds in %.1f s wall (%.0f seeds/s, %d thread(s))%n",
                report.seeds(), partFrom, shard == null ? "" : " (shard " + part + " of seeds " + from + ".." + (from + count - 1) + ")",
                report.failed(), report.simulatedSeconds(), report.wallNanos() / 1e9, report.seeds() / (report.wallNanos() / 1e9), workers);
        Path file = this.out != null ? this.out : shard != null ? Path.of("swarm-shard-" + part.index() + "-of-" + part.of() + ".json") : null;
        if (file != null) {
            Shards.write(file, result);
            out.println("result: " + file);
        }
        out.flush();
        return report.passed() ? 0 : 1;
    }

    /** Prints each failure in full (the first {@link SwarmRun#FAILURES_KEPT}) and every failing seed listed. */
    static void printFailures(PrintWriter out, Shards.Result result) {
        for (Shards.Failure failure : result.failures()) {
            out.printf("seed %d FAILED (%s)%n", failure.seed(), failure.world());
            for (String violation : failure.violations()) out.println("  " + violation);
            out.printf("  reproduce with: ./storyloop swarm --seed %d%s%n", failure.seed(), result.planted().isBlank() ? ""
                    : " --plant \"" + result.planted() + "\"");
        }
        if (result.failed() > result.failures().size()) out.printf("  (the first %d failures shown)%n", result.failures().size());
        if (result.failed() > 0) {
            StringBuilder seeds = new StringBuilder();
            for (long s : result.failingSeeds()) seeds.append(seeds.isEmpty() ? "" : " ").append(s);
            out.printf("failing seeds (%d%s): %s%n", result.failed(), result.allFailingSeedsListed() ? "" : ", the lowest "
                    + result.failingSeeds().size() + " listed", seeds);
        }
    }

    private static int one(PrintWriter out, Swarm.World world) {
        long seed = world.seed();
        Swarm.Verdict verdict = Swarm.check(world);
        out.println("# world of seed " + seed + ": " + world.summary());
        out.print(world.yaml());
        out.println("# metrics");
        new TreeMap<>(verdict.metrics()).forEach((k, v) -> out.println("#   " + k + " = " + v));
        out.println("# digest " + verdict.digest());
        if (verdict.passed()) out.println("seed " + seed + ": every invariant holds");
        else {
            out.println("seed " + seed + " FAILED");
            for (Invariants.Violation violation : verdict.violations()) out.println("  " + violation.id() + ": " + violation.message());
        }
        out.flush();
        return verdict.passed() ? 0 : 1;
    }

    private int shrink(CommandLine cli, PrintWriter out, Swarm.World world) throws IOException {
        long started = System.nanoTime();
        Swarm.Verdict failing = Swarm.check(world);
        if (failing.passed()) {
            out.println("seed " + world.seed() + ": every invariant holds; nothing to shrink");
            out.flush();
            return 0;
        }
        out.println("seed " + world.seed() + " fails '" + failing.violations().get(0).id() + "' (" + world.summary() + "); shrinking");
        out.flush();
        ProgressLine progress = new ProgressLine(cli.getErr());
        int[] runs = {0};
        Shrinker.Result result = Shrinker.shrink(failing, shrinkRuns, (change, verdict) -> progress.items("shrink", ++runs[0], shrinkRuns, "runs"));
        progress.finish();
        Path dir = out(world.seed());
        Files.createDirectories(dir);
        Path file = dir.resolve("scenario.yaml");
        Files.writeString(file, result.scenarioFile());
        out.println("removed, step by step (each still fails '" + result.invariant() + "'):");
        if (result.kept().isEmpty()) out.println("  nothing: every step made the failure go away");
        for (String change : result.kept()) out.println("  - " + change);
        out.println("smallest: " + result.smallest().world().summary());
        out.printf(Locale.ROOT, "%d run(s) in %.1f s%s%n", result.runs(), (System.nanoTime() - started) / 1e9,
                result.budgetSpent() ? "; the budget ran out (--shrink-runs) before a pass kept nothing: a larger one may shrink further" : "");
        out.println("scenario: " + file);
        out.println("run it with: ./storyloop run " + dir);
        out.flush();
        return 1;
    }

    private Path out(long seed) {
        return this.out != null ? this.out : Path.of("swarm-seed-" + seed);
    }

    private static int determinismOfOne(PrintWriter out, Swarm.World world) throws InterruptedException {
        DeterminismCheck.Outcome outcome = Swarm.checkDeterminism(world);
        out.println("seed " + world.seed() + ": " + outcome.describe());
        out.flush();
        return outcome.identical() ? 0 : 1;
    }

    private int determinismOfRange(CommandLine cli, PrintWriter out, long first, long seeds, int workers) throws InterruptedException {
        ProgressLine progress = new ProgressLine(cli.getErr());
        AtomicLong done = new AtomicLong();
        TreeMap<Long, String> differing = new TreeMap<>();
        long[] differ = {0};
        long started = System.nanoTime();
        SwarmRun.forEachSeed(first, seeds, workers, s -> {
            DeterminismCheck.Outcome outcome;
            try {
                outcome = Swarm.checkDeterminism(Swarm.draw(s, plant));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            }
            synchronized (differing) {
                if (!outcome.identical()) {
                    differ[0]++;
                    differing.put(s, outcome.describe());
                    if (differing.size() > DIFFERENCES_SHOWN) differing.pollLastEntry();
                }
                progress.items("determinism", done.incrementAndGet(), seeds, "seeds");
            }
        });
        progress.finish();
        synchronized (differing) {
            differing.forEach((s, text) -> out.println("seed " + s + ": " + text));
            out.printf(Locale.ROOT, "determinism: %d seed(s) from %d each run twice: %d identical, %d differ (%.1f s wall)%n", seeds, first,
                    seeds - differ[0], differ[0], (System.nanoTime() - started) / 1e9);
            out.flush();
            return differ[0] == 0 ? 0 : 1;
        }
    }
}
