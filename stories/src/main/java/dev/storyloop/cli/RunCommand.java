package dev.storyloop.cli;

import dev.storyloop.stories.run.StoryRunner;
import dev.storyloop.stories.scenario.ScenarioFile;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

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

    @Option(names = "--stories", defaultValue = "stories", description = "Where the story folders are (default: ${DEFAULT-VALUE}).")
    Path storiesRoot;

    @Option(names = "--seed", description = "Run with this seed instead of the scenario's (results then say so).")
    Long seed;

    @Option(names = "--out", description = "Write results here instead of STORY_DIR/results (one story only).")
    Path out;

    @Option(names = "--no-write", description = "Check the claims without writing results.")
    boolean noWrite;

    @Override
    public Integer call() throws IOException {
        CommandLine cli = spec.commandLine();
        if (all == (storyDir != null)) throw new CommandLine.ParameterException(cli, "give one STORY_DIR or --all");
        if (all && out != null) throw new CommandLine.ParameterException(cli, "--out goes with one story, not --all");
        List<Path> dirs = all ? StoryRunner.stories(storiesRoot) : List.of(storyDir);
        if (dirs.isEmpty()) throw new CommandLine.ParameterException(cli, "no story folders (with scenario.yaml) under " + storiesRoot);
        PrintWriter printer = cli.getOut();
        int failed = 0;
        for (Path dir : dirs) {
            if (!Files.isRegularFile(dir.resolve("scenario.yaml"))) {
                throw new CommandLine.ParameterException(cli, dir + " has no scenario.yaml");
            }
            StoryRunner.StoryResult result;
            long started = System.nanoTime();
            try {
                result = StoryRunner.run(dir, seed);
            } catch (ScenarioFile.Invalid e) {
                cli.getErr().println("storyloop run: " + e.getMessage());
                cli.getErr().flush();
                return 2;
            }
            printer.printf("%s (seed %d, %d variant(s), %.1f s)%n", result.scenario().title(), result.seed(), result.runs().size(),
                    (System.nanoTime() - started) / 1e9);
            printer.print(StoryRunner.claimsTable(result));
            printer.println("  trace digest " + result.digest());
            if (!noWrite) printer.println("  results: " + StoryRunner.writeResults(result, out, StoryloopCli.version()).resolve("summary.md"));
            printer.flush();
            if (!result.holds()) failed++;
        }
        return failed == 0 ? 0 : 1;
    }
}
