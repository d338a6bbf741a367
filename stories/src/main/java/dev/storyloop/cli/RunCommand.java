package dev.storyloop.cli;

import dev.storyloop.device.live.DeviceFleet;
import dev.storyloop.console.ConsoleServer;
import dev.storyloop.console.SimConsole;
import dev.storyloop.stories.catalog.Metric;
import dev.storyloop.stories.run.LiveBroker;
import dev.storyloop.stories.run.RunResult;
import dev.storyloop.stories.run.SimRunner;
import dev.storyloop.stories.run.StoryRunner;
import dev.storyloop.stories.scenario.Scenario;
import dev.storyloop.stories.scenario.ScenarioFile;
import dev.storyloop.stories.swarm.DeterminismCheck;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.function.Function;

/** {@code storyloop run}: runs stories' scenarios in the simulated world, checks their claims, writes their results. */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = "Runs a story's scenario in the simulated world, prints its claims and writes results/ (summary.md, plots).")
final class RunCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(arity = "0..1", paramLabel = "STORY_DIR", description = "A story folder holding scenario.yaml.")
    Path storyDir;

    @Option(names = "--all", description = "Every story under --stories.")
    boolean all;

    @Mixin
    StoriesRootOption stories;

    @Option(names = "--seed", description = "Run with this seed instead of the scenario's (results then say so).")
    Long seed;

    @Option(names = "--out", description = "Write results here instead of STORY_DIR/results (one story only).")
    Path out;

    @Option(names = "--no-write", description = "Check the claims without writing results.")
    boolean noWrite;

    @Option(names = "--live", description = "Run with Paho devices, a real broker and the Vert.x gateway, in real time; results go to results-live/. "
            + "Without --broker it starts a local mosquitto with the scenario's limits and realises its broker restarts.")
    boolean live;

    @Option(names = "--broker", description = "An external broker for --live, e.g. tcp://127.0.0.1:1883 (its restarts are not realised).")
    String broker;

    @Option(names = "--duration", converter = Units.DurationNanos.class, description = "With --live: real time per variant (default: the scenario's duration).")
    Long durationNanos;

    @Mixin
    FleetOptions fleetOptions;

    @Option(names = "--console", arity = "0..1", fallbackValue = "127.0.0.1:0", paramLabel = "HOST:PORT",
            description = "Watch the simulated run in the console (default address: a free port on 127.0.0.1); it can pause virtual time. "
                    + "After the run the page stays until Ctrl-C (or --console-stay).")
    String console;

    @Option(names = "--console-pace", defaultValue = "250ms", converter = Units.DurationNanos.class,
            description = "With --console: real time per simulated second, so the run can be watched (default: ${DEFAULT-VALUE}; 0s: full speed).")
    long consolePaceNanos;

    @Option(names = "--console-stay", converter = Units.DurationNanos.class, description = "With --console: how long the page stays after the run (default: until Ctrl-C).")
    Long consoleStayNanos;

    @Mixin
    ConsoleTokenOption consoleToken;

    @CommandLine.Mixin
    DeterminismOption determinism;

    @Override
    public Integer call() throws IOException, InterruptedException {
        CommandLine cli = spec.commandLine();
        if (determinism.enabled && (live || console != null)) {
            throw new CommandLine.ParameterException(cli, "--check-determinism checks simulated runs, not --live or --console");
        }
        if (console != null && (live || all)) throw new CommandLine.ParameterException(cli, "--console watches one simulated story, not --live or --all");
        if (console != null) return watched(cli);
        if (all == (storyDir != null)) throw new CommandLine.ParameterException(cli, "give one STORY_DIR or --all");
        if (all && out != null) throw new CommandLine.ParameterException(cli, "--out goes with one story, not --all");
        if (live && broker != null && !broker.startsWith("tcp://")) throw new CommandLine.ParameterException(cli, "--broker takes tcp://HOST:PORT");
        Optional<Path> mosquitto = live && broker == null ? LiveBroker.localBinary() : Optional.empty();
        if (live && broker == null && mosquitto.isEmpty()) {
            throw new CommandLine.ParameterException(cli, "--live needs --broker tcp://HOST:PORT or a mosquitto binary on PATH (apt-get install mosquitto)");
        }
        Function<Scenario.Broker, LiveBroker> brokers = limits -> broker != null ? LiveBroker.external(broker) : LiveBroker.local(mosquitto.get(), limits);
        if (!live && (broker != null || durationNanos != null)) throw new CommandLine.ParameterException(cli, "--broker and --duration go with --live");
        if (!live && fleetOptions.given()) {
            throw new CommandLine.ParameterException(cli, "--loops, --connects-in-flight and --connect-wait go with --live");
        }
        DeviceFleet.Settings fleet = fleetOptions.settings(cli, Integer.MAX_VALUE); // the fleet's size is the scenario's
        List<Path> dirs = all ? StoryRunner.stories(stories.root) : List.of(storyDir);
        if (dirs.isEmpty()) throw new CommandLine.ParameterException(cli, "no story folders (with scenario.yaml) under " + stories.root);
        PrintWriter printer = cli.getOut();
        // Every scenario is read and its claims checked against the catalog before anything runs.
        for (Path dir : dirs) {
            if (!Files.isRegularFile(dir.resolve("scenario.yaml"))) {
                throw new CommandLine.ParameterException(cli, dir + " has no scenario.yaml");
            }
            try {
                ScenarioFile.readChecked(dir.resolve("scenario.yaml"), Metric.World.SIMULATED); // live: claims it cannot measure have no data
            } catch (ScenarioFile.Invalid e) {
                cli.getErr().println("storyloop run: " + e.getMessage().replace("\n", "\nstoryloop run: "));
                cli.getErr().flush();
                return 2;
            }
        }
        if (determinism.enabled) return checkDeterminism(printer, dirs);
        int failed = 0;
        long held = 0, refuted = 0, claimsFailed = 0;
        for (Path dir : dirs) {
            StoryRunner.StoryResult result;
            long started = System.nanoTime();
            try {
                ProgressLine progress = new ProgressLine(cli.getErr());
                result = live ? StoryRunner.runLive(dir, seed, brokers, durationNanos, fleet) : StoryRunner.run(dir, seed, progress);
                progress.finish();
            } catch (ScenarioFile.Invalid e) {
                cli.getErr().println("storyloop run: " + e.getMessage());
                cli.getErr().flush();
                return 2;
            } catch (Exception e) {
                cli.getErr().println("storyloop run: the live run failed: " + e.getMessage());
                cli.getErr().flush();
                return 1;
            }
            printer.printf("%s (seed %d, %d variant(s), %s, %.1f s)%n", result.scenario().title(), result.seed(), result.runs().size(),
                    result.world(), (System.nanoTime() - started) / 1e9);
            printer.print(StoryRunner.claimsTable(result));
            printer.println("  trace digest " + result.digest());
            if (!noWrite) printer.println("  results: " + StoryRunner.writeResults(result, out, StoryloopCli.version()).resolve("summary.md"));
            printer.flush();
            if (!result.holds()) failed++;
            held += result.claimsHeld();
            refuted += result.refutedAsExpected();
            claimsFailed += result.claimsFailed();
        }
        printer.printf("%d %s: %d claim(s) held, %d refuted as the story says, %d failed%s%n", dirs.size(), dirs.size() == 1 ? "story" : "stories",
                held, refuted, claimsFailed, failed == 0 ? "" : "; " + failed + " story(ies) do not hold");
        printer.flush();
        return failed == 0 ? 0 : 1;
    }

    /** Runs every variant of every story in {@code dirs} twice and compares the runs; exit 0 when all are identical. */
    private int checkDeterminism(PrintWriter printer, List<Path> dirs) throws InterruptedException {
        long differ = 0, variants = 0;
        for (Path dir : dirs) {
            Scenario scenario;
            try {
                scenario = ScenarioFile.readChecked(dir.resolve("scenario.yaml"), Metric.World.SIMULATED);
            } catch (ScenarioFile.Invalid e) {
                throw new IllegalStateException("read before, and refused now: " + e.getMessage(), e);
            }
            long runSeed = seed != null ? seed : scenario.seed();
            printer.printf("%s (seed %d): each variant run twice%n", scenario.title(), runSeed);
            printer.flush();
            for (Scenario.Variant variant : scenario.variants()) {
                DeterminismCheck.Outcome outcome = DeterminismCheck.check((sink, progress) -> {
                    RunResult run = SimRunner.run(scenario, variant, runSeed, progress, sink);
                    return new DeterminismCheck.Ran(run.digest(), run.metrics());
                });
                variants++;
                if (!outcome.identical()) differ++;
                printer.println("  " + variant.name() + ": " + outcome.describe().replace("\n", "\n  "));
                printer.flush();
            }
        }
        printer.printf("determinism: %d variant(s) of %d %s: %d identical, %d differ%n", variants, dirs.size(), dirs.size() == 1 ? "story" : "stories",
                variants - differ, differ);
        printer.flush();
        return differ == 0 ? 0 : 1;
    }

    /** One story in the simulated world with the console open; the claims and results as without it. */
    private int watched(CommandLine cli) throws IOException, InterruptedException {
        String[] address = Units.hostPort(cli, "--console", console);
        if (!Files.isRegularFile(storyDir.resolve("scenario.yaml"))) throw new CommandLine.ParameterException(cli, storyDir + " has no scenario.yaml");
        PrintWriter printer = cli.getOut();
        ProgressLine progress = new ProgressLine(cli.getErr());
        SimConsole sim = new SimConsole(progress, consolePaceNanos);
        try (Foreground foreground = new Foreground("storyloop-run-console-exit");
             ConsoleServer server = ConsoleServer.sim(address[0], Integer.parseInt(address[1]), consoleToken.token,
                     "storyloop run " + storyDir.getFileName(), sim)) {
            printer.println("console: " + server.url() + " (pause and resume from the page)");
            printer.flush();
            StoryRunner.StoryResult result;
            try {
                result = StoryRunner.run(storyDir, seed, sim);
            } catch (ScenarioFile.Invalid e) {
                cli.getErr().println("storyloop run: " + e.getMessage());
                cli.getErr().flush();
                return 2;
            }
            progress.finish();
            printer.print(StoryRunner.claimsTable(result));
            printer.println("  trace digest " + result.digest());
            if (!noWrite) printer.println("  results: " + StoryRunner.writeResults(result, out, StoryloopCli.version()).resolve("summary.md"));
            printer.println("console: the run is over; the page stays " + (consoleStayNanos == null ? "until Ctrl-C" : "for " + Units.duration(consoleStayNanos)));
            printer.flush();
            foreground.runUntilStopped(Long.MAX_VALUE / 4, consoleStayNanos, () -> {});
            return result.holds() ? 0 : 1;
        }
    }
}
