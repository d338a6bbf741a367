package dev.storyloop.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

class RunCommandTest {
    @TempDir
    Path dir;

    private final Cli cli = new Cli();

    @Test
    void shouldScaffoldAStoryThatRunsAndWritesResults() throws Exception {
        assertThat(cli.run("new", "a-test-story", "--stories", dir.toString())).isZero();
        Path story = dir.resolve("a-test-story");
        assertThat(Files.readString(story.resolve("story.md"))).contains("## Frequently Asked Questions", "What are the morals of the story?");
        assertThat(cli.run("run", story.toString())).as(cli.err.toString()).isZero();
        assertThat(cli.out.toString()).contains("ok", "Nothing is lost", "trace digest");
        assertThat(story.resolve("results/summary.md")).exists();
        assertThat(Files.readString(story.resolve("results/queue-depth.svg"))).startsWith("<svg").contains("Frames held in device RAM");
        assertThat(cli.run("new", "a-test-story", "--stories", dir.toString())).isEqualTo(2);
        assertThat(cli.run("new", "Bad Slug", "--stories", dir.toString())).isEqualTo(2);
    }

    @Test
    void shouldRejectABadScenarioWithItsLineAndWriteNothing() throws Exception {
        Path story = Files.createDirectory(dir.resolve("broken"));
        Files.writeString(story.resolve("scenario.yaml"), "title: Broken\nduration: 10s\ndevices:\n  cuont: 3\nexpect: []\n");
        assertThat(cli.run("run", story.toString())).isEqualTo(2);
        assertThat(cli.err.toString()).contains("scenario.yaml:4: devices.cuont: unknown key 'cuont'");
        assertThat(story.resolve("results")).doesNotExist();
        assertThat(cli.run("run")).isEqualTo(2);
        assertThat(cli.run("run", dir.resolve("nowhere").toString())).isEqualTo(2);
        assertThat(cli.run("run", story.toString(), "--live", "--broker", "http://127.0.0.1:1883")).isEqualTo(2);
        assertThat(cli.err.toString()).contains("--broker takes tcp://HOST:PORT");
        assertThat(cli.run("run", story.toString(), "--live")).isEqualTo(2); // the scenario is read before any broker starts
        assertThat(cli.run("run", story.toString(), "--broker", "tcp://127.0.0.1:1883")).isEqualTo(2);
    }

    @Test
    void shouldRunStoryOneAsTheDemo() throws Exception {
        Path story = Files.createDirectories(dir.resolve("the-waker-that-never-came"));
        Files.copy(Path.of("the-waker-that-never-came/scenario.yaml"), story.resolve("scenario.yaml"));
        assertThat(cli.run("demo", "--stories", dir.toString())).as(cli.err.toString()).isZero();
        assertThat(cli.out.toString()).contains("story 1, The waker that never came", "naming the task: request", "results: ");
        assertThat(cli.out.toString()).doesNotContain("FAIL");
        assertThat(story.resolve("results/summary.md")).exists();
        assertThat(cli.run("demo", "--stories", dir.resolve("nowhere").toString())).isEqualTo(2);
    }

    @Test
    void shouldRefuseAClaimOnAnUnknownMetricBeforeRunningWithASuggestion() throws Exception {
        Path story = Files.createDirectory(dir.resolve("misspelt"));
        Files.writeString(story.resolve("scenario.yaml"), """
                title: Misspelt
                duration: 24h
                devices: {count: 1000}
                expect:
                  - id: nothing-missing
                    claim: nothing is missing
                    metric: run.gateway.mising
                    op: "=="
                    value: 0
                """);
        long started = System.nanoTime();
        assertThat(cli.run("run", story.toString())).isEqualTo(2);
        // 1,000 devices for a simulated day would take minutes: the refusal comes before anything runs.
        System.out.printf("refused in %.0f ms%n", (System.nanoTime() - started) / 1e6);
        assertThat(cli.err.toString()).contains("storyloop run: " + story.resolve("scenario.yaml") + ":5: claim 'nothing-missing': metric: "
                + "unknown metric 'gateway.mising' (did you mean 'gateway.missing'?)");
        assertThat(story.resolve("results")).doesNotExist();
    }

    @Test
    void shouldPrintATallyAndAReproduceLineForAStoryOutsideStories() throws Exception {
        assertThat(cli.run("new", "a-tally", "--stories", dir.toString())).isZero();
        Path story = dir.resolve("a-tally");
        String yaml = Files.readString(story.resolve("scenario.yaml")).replace("duration: 60s", "duration: 5s");
        Files.writeString(story.resolve("scenario.yaml"), yaml + """
                  - id: refuted-as-told
                    claim: "Barbara thought nothing was sampled"
                    metric: run.device.sampled
                    op: "=="
                    value: 0
                    refuted: true
                """);
        assertThat(cli.run("run", story.toString())).as(cli.err.toString()).isZero();
        assertThat(cli.out.toString()).contains("refuted, as the story says", "1 story: 2 claim(s) held, 1 refuted as the story says, 0 failed");
        String summary = Files.readString(story.resolve("results/summary.md"));
        assertThat(summary).contains("`./storyloop run " + story + " --seed 1`", "<a id=\"refuted-as-told\"></a>", "| refuted, as the story says |",
                "<a id=\"m-run.device.sampled\"></a>");
        assertThat(cli.err.toString()).doesNotContain("\r");
    }

    @Test
    void shouldCheckAStoryIsDeterministicWithoutWritingResults() throws Exception {
        assertThat(cli.run("new", "twice", "--stories", dir.toString())).isZero();
        Path story = dir.resolve("twice");
        Files.writeString(story.resolve("scenario.yaml"), Files.readString(story.resolve("scenario.yaml")).replace("duration: 60s", "duration: 5s"));

        assertThat(cli.run("run", story.toString(), "--check-determinism")).as(cli.err.toString()).isZero();

        assertThat(cli.out.toString()).contains(": each variant run twice", ": identical: ", " trace events, digest ",
                "determinism: 1 variant(s) of 1 story: 1 identical, 0 differ");
        assertThat(story.resolve("results")).doesNotExist();
        assertThat(new Cli().run("run", story.toString(), "--check-determinism", "--live")).isEqualTo(2);
    }

    @Test
    void shouldListTheMetrics() {
        assertThat(cli.run("metrics")).isZero();
        assertThat(cli.out.toString()).contains("gateway.command_timeout_share", "ratio", "simulated, live");
        assertThat(cli.run("metrics", "--json")).isZero();
        assertThat(cli.out.toString()).contains("\"commandsTimedOut\"", "\"storyloop_gateway_commands_timed_out_total\"");
    }

    @Test
    void shouldNotRefuseALiveRunOfAClaimOnlyTheSimulatedWorldMeasures() throws Exception {
        Path story = Files.createDirectory(dir.resolve("simulated-only"));
        Files.writeString(story.resolve("scenario.yaml"), """
                title: Simulated only
                duration: 10s
                expect:
                  - id: no-queue-full
                    claim: the broker dropped nothing for a full queue
                    metric: run.broker.dropped.queue-full
                    op: "=="
                    value: 0
                """);
        // The claim gets no data live (the live summary says why) instead of stopping the run: no broker listens on port 1,
        // so the run itself fails, after the check (exit 1, not the check's 2).
        assertThat(cli.run("run", story.toString(), "--live", "--broker", "tcp://127.0.0.1:1")).isEqualTo(1);
        assertThat(cli.err.toString()).contains("the live run failed").doesNotContain("is not produced live");
        assertThat(story.resolve("results-live")).doesNotExist();
    }
}
