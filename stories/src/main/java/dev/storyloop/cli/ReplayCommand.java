package dev.storyloop.cli;

import dev.storyloop.console.ConsoleServer;
import dev.storyloop.console.TraceIndex;
import dev.storyloop.stories.run.RunResult;
import dev.storyloop.stories.run.SimRunner;
import dev.storyloop.stories.scenario.Scenario;
import dev.storyloop.stories.scenario.ScenarioFile;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * {@code storyloop replay}: opens a recorded trace in the console, at its first warning.
 *
 * <p>Given a story folder instead of a trace, it first re-runs the chosen variant with the trace
 * kept (the same seed gives the same trace and digest as {@code storyloop run}), so a story's
 * summary can link a replay without carrying hundreds of megabytes of trace.
 */
@Command(name = "replay", mixinStandardHelpOptions = true,
        description = "Opens a recorded trace (TRACE.jsonl, or a story folder's variant, re-recorded) in the console, at its first warning.")
final class ReplayCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(paramLabel = "TRACE", description = "A trace in JSON lines, or a story folder holding scenario.yaml.")
    Path source;

    @Option(names = "--variant", description = "With a story folder: the variant to record (default: the first).")
    String variant;

    @Option(names = "--seed", description = "With a story folder: the seed (default: the scenario's).")
    Long seed;

    @Option(names = "--trace-out", description = "With a story folder: where the trace is written (default: a file in the temporary directory).")
    Path traceOut;

    @Option(names = "--console", defaultValue = "127.0.0.1:0", paramLabel = "HOST:PORT",
            description = "Where the console listens (default: ${DEFAULT-VALUE}, a free port on loopback).")
    String console;

    @Mixin
    ConsoleTokenOption consoleToken;

    @Option(names = "--no-serve", description = "Print the first warning and the tasks at it, and exit without serving the page.")
    boolean noServe;

    @Option(names = "--duration", converter = Units.DurationNanos.class, description = "Serve for this long instead of until Ctrl-C.")
    Long durationNanos;

    @Override
    public Integer call() throws Exception {
        CommandLine cli = spec.commandLine();
        PrintWriter out = cli.getOut();
        String[] address = Units.hostPort(cli, "--console", console);
        Path trace = source;
        String title = source.getFileName().toString();
        if (Files.isDirectory(source)) {
            if (!Files.isRegularFile(source.resolve("scenario.yaml"))) throw new CommandLine.ParameterException(cli, source + " has no scenario.yaml");
            Scenario scenario;
            try {
                scenario = ScenarioFile.read(source.resolve("scenario.yaml"));
            } catch (ScenarioFile.Invalid e) {
                cli.getErr().println("storyloop replay: " + e.getMessage());
                return 2;
            }
            Scenario.Variant chosen = pick(cli, scenario.variants());
            long runSeed = seed != null ? seed : scenario.seed();
            String slug = source.toAbsolutePath().normalize().getFileName().toString();
            trace = traceOut != null ? traceOut
                    : Path.of(System.getProperty("java.io.tmpdir"), "storyloop-" + slug + "-" + chosen.name() + "-seed" + runSeed + ".jsonl");
            long started = System.nanoTime();
            RunResult run;
            try (BufferedWriter writer = Files.newBufferedWriter(trace, StandardCharsets.UTF_8)) {
                run = SimRunner.run(scenario, chosen, runSeed, SimRunner.Progress.NONE, writer);
            }
            out.printf(Locale.ROOT, "recorded %s variant %s (seed %d) in %.1f s: %s (%d MB), run digest %s%n", slug, chosen.name(), runSeed,
                    (System.nanoTime() - started) / 1e9, trace, Files.size(trace) >> 20, run.digest());
            title = slug + " · " + chosen.name() + " · seed " + runSeed;
        } else if (seed != null || variant != null || traceOut != null) {
            throw new CommandLine.ParameterException(cli, "--variant, --seed and --trace-out go with a story folder");
        }
        if (!Files.isRegularFile(trace)) throw new CommandLine.ParameterException(cli, trace + " is not a file");
        long loading = System.nanoTime();
        Path file = trace;
        // The console starts while the trace loads: on a small machine each takes a second or more.
        CompletableFuture<TraceIndex> load = CompletableFuture.supplyAsync(() -> {
            try {
                return TraceIndex.load(file);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        try (Foreground foreground = new Foreground("storyloop-replay-exit");
             ConsoleServer server = noServe ? null : ConsoleServer.replay(address[0], Integer.parseInt(address[1]), consoleToken.token, title, load)) {
            TraceIndex index;
            try {
                index = load.join();
            } catch (CompletionException e) {
                cli.getErr().println("storyloop replay: " + (e.getCause() instanceof UncheckedIOException u ? u.getCause().getMessage() : e.getCause()));
                return 2;
            }
            out.printf(Locale.ROOT, "trace: %d events, %.6f s .. %.6f s, %d warning(s), %d line(s) skipped as not events; loaded in %.2f s%n",
                    index.events(), index.startNanos() / 1e9, index.endNanos() / 1e9, index.warningCount(), index.malformedLines(),
                    (System.nanoTime() - loading) / 1e9);
            if (!index.warnings().isEmpty()) {
                TraceIndex.Warning first = index.warnings().get(0);
                out.printf(Locale.ROOT, "first warning at %.6f s on %s: %s%n", first.atNanos() / 1e9, first.executor(), first.message());
                for (TraceIndex.TaskAt task : index.tasksAt(first.atNanos())) {
                    if (!task.executor().equals(first.executor())) continue;
                    out.printf(Locale.ROOT, "  %-24s %-8s %s%n", task.task(), task.state(), task.waitsOn());
                }
            }
            out.flush();
            if (server == null) return 0;
            out.println("console: " + server.url() + " (opens at the first warning; Ctrl-C stops)");
            out.flush();
            foreground.runUntilStopped(Long.MAX_VALUE / 4, durationNanos, () -> {});
        }
        return 0;
    }

    private Scenario.Variant pick(CommandLine cli, List<Scenario.Variant> variants) {
        if (variant == null) return variants.get(0);
        for (Scenario.Variant v : variants) if (v.name().equals(variant)) return v;
        throw new CommandLine.ParameterException(cli, "no variant '" + variant + "'; the scenario has "
                + String.join(", ", variants.stream().map(Scenario.Variant::name).toList()));
    }
}
