package dev.storyloop.cli;

import dev.storyloop.stories.run.StoryRunner;
import dev.storyloop.stories.scenario.ScenarioFile;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * {@code storyloop demo}: the README's main command. Runs story 1, "The waker that never came", in
 * the simulated world, prints its claims and where its results and plots are.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Runs story 1 (a lost wake-up in a fleet of twenty devices) in the simulated world and prints its claims.")
final class DemoCommand implements Callable<Integer> {
    static final String STORY = "the-waker-that-never-came";

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--seed", description = "Run with this seed instead of the scenario's.")
    Long seed;

    @Mixin
    StoriesRootOption stories;

    @Override
    public Integer call() throws IOException {
        Path story = stories.root.resolve(STORY);
        if (!Files.isRegularFile(story.resolve("scenario.yaml"))) {
            throw new CommandLine.ParameterException(spec.commandLine(), "no " + story + "/scenario.yaml: run the demo from the repository's root");
        }
        PrintWriter out = spec.commandLine().getOut();
        out.println("storyloop demo: story 1, The waker that never came (" + story + "/story.md)");
        out.println("Twenty devices answer requests; each answer is signed through a hand-written future around a C HMAC");
        out.println("library that forgets its waker on the library's slow path. Three runs: 150 requests/s, 210 requests/s,");
        out.println("and 210 with the future fixed. Simulated time, one seeded world; the same seed gives the same digest.");
        out.println();
        out.flush();
        long started = System.nanoTime();
        StoryRunner.StoryResult result;
        try {
            result = StoryRunner.run(story, seed);
        } catch (ScenarioFile.Invalid e) {
            spec.commandLine().getErr().println("storyloop demo: " + e.getMessage());
            spec.commandLine().getErr().flush();
            return 2;
        }
        out.print(StoryRunner.claimsTable(result));
        out.printf("%n  trace digest %s (seed %d, %.1f s)%n", result.digest(), result.seed(), (System.nanoTime() - started) / 1e9);
        Path results = StoryRunner.writeResults(result, seed == null ? null : story.resolve("results-seed-" + seed), StoryloopCli.version());
        out.println("  results: " + results.resolve("summary.md"));
        out.println("  plots:   " + String.join(", ", StoryRunner.plots(result.scenario()).stream()
                .map(plot -> results.resolve(StoryRunner.plotFile(plot)).toString()).toList()));
        out.println("  more:    ./storyloop run --all   (every story);  ./storyloop --help");
        out.flush();
        return result.holds() ? 0 : 1;
    }
}
