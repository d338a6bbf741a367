package dev.storyloop.cli;

import dev.storyloop.stories.swarm.Swarm;
import dev.storyloop.stories.swarm.SwarmRun;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLong;

/** {@code storyloop swarm}: draws worlds from seeds, runs them simulated, checks the invariants. */
@Command(name = "swarm", mixinStandardHelpOptions = true,
        description = "Swarm testing: each seed draws a world (fleet, firmware, network faults, broker restarts, gateway stops), "
                + "runs it in the simulated world and checks the invariants; a failure names the seed that reproduces it.")
final class SwarmCommand implements Callable<Integer> {
    static final long COUNT_MAX = 1_000_000_000L;

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

    @Override
    public Integer call() throws InterruptedException {
        CommandLine cli = spec.commandLine();
        PrintWriter out = cli.getOut();
        if (seed != null) return one(out, seed);
        if (count < 1 || count > COUNT_MAX) throw new CommandLine.ParameterException(cli, "--count must be 1.." + COUNT_MAX);
        int workers = threads != null ? threads : Runtime.getRuntime().availableProcessors();
        if (workers < 1 || workers > 256) throw new CommandLine.ParameterException(cli, "--threads must be 1..256");
        ProgressLine progress = new ProgressLine(cli.getErr());
        AtomicLong done = new AtomicLong();
        SwarmRun.Report report = SwarmRun.run(from, count, workers, verdict -> {
            long n = done.incrementAndGet();
            synchronized (progress) {
                progress.items("swarm", n, count, "seeds");
            }
        });
        progress.finish();
        for (Swarm.Verdict failure : report.failures()) {
            out.printf("seed %d FAILED (%s)%n", failure.world().seed(), failure.world().summary());
            for (String violation : failure.violations()) out.println("  " + violation);
            out.printf("  reproduce with: ./storyloop swarm --seed %d%n", failure.world().seed());
        }
        out.printf(Locale.ROOT, "swarm: %d seed(s) from %d, %d failed; %.0f simulated seconds in %.1f s wall (%.0f seeds/s, %d thread(s))%n",
                report.seeds(), from, report.failed(), report.simulatedSeconds(), report.wallNanos() / 1e9,
                report.seeds() / (report.wallNanos() / 1e9), workers);
        if (report.failed() > report.failures().size()) out.printf("  (the first %d failures shown)%n", report.failures().size());
        out.flush();
        return report.passed() ? 0 : 1;
    }

    private static int one(PrintWriter out, long seed) {
        Swarm.Verdict verdict = Swarm.check(seed);
        out.println("# world of seed " + seed + ": " + verdict.world().summary());
        out.print(verdict.world().yaml());
        out.println("# metrics");
        verdict.metrics().forEach((k, v) -> out.println("#   " + k + " = " + v));
        out.println("# digest " + verdict.digest());
        if (verdict.passed()) out.println("seed " + seed + ": every invariant holds");
        else {
            out.println("seed " + seed + " FAILED");
            for (String violation : verdict.violations()) out.println("  " + violation);
        }
        out.flush();
        return verdict.passed() ? 0 : 1;
    }
}
