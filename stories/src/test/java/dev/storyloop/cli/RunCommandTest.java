package dev.storyloop.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

class RunCommandTest {
    @TempDir
    Path dir;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        CommandLine cli = StoryloopCli.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        return cli.execute(args);
    }

    @Test
    void shouldScaffoldAStoryThatRunsAndWritesResults() throws Exception {
        assertThat(run("new", "a-test-story", "--stories", dir.toString())).isZero();
        Path story = dir.resolve("a-test-story");
        assertThat(Files.readString(story.resolve("story.md"))).contains("## Frequently Asked Questions", "What are the morals of the story?");
        assertThat(run("run", story.toString())).as(err.toString()).isZero();
        assertThat(out.toString()).contains("ok", "Nothing is lost", "trace digest");
        assertThat(story.resolve("results/summary.md")).exists();
        assertThat(Files.readString(story.resolve("results/queue-depth.svg"))).startsWith("<svg").contains("Frames held in device RAM");
        assertThat(run("new", "a-test-story", "--stories", dir.toString())).isEqualTo(2);
        assertThat(run("new", "Bad Slug", "--stories", dir.toString())).isEqualTo(2);
    }

    @Test
    void shouldRejectABadScenarioWithItsLineAndWriteNothing() throws Exception {
        Path story = Files.createDirectory(dir.resolve("broken"));
        Files.writeString(story.resolve("scenario.yaml"), "title: Broken\nduration: 10s\ndevices:\n  cuont: 3\nexpect: []\n");
        assertThat(run("run", story.toString())).isEqualTo(2);
        assertThat(err.toString()).contains("scenario.yaml:4: devices.cuont: unknown key 'cuont'");
        assertThat(story.resolve("results")).doesNotExist();
        assertThat(run("run")).isEqualTo(2);
        assertThat(run("run", dir.resolve("nowhere").toString())).isEqualTo(2);
        assertThat(run("run", story.toString(), "--live")).isEqualTo(2);
        assertThat(err.toString()).contains("--live needs --broker tcp://HOST:PORT");
        assertThat(run("run", story.toString(), "--broker", "tcp://127.0.0.1:1883")).isEqualTo(2);
    }

    @Test
    void shouldRunStoryOneAsTheDemo() throws Exception {
        Path story = Files.createDirectories(dir.resolve("the-waker-that-never-came"));
        Files.copy(Path.of("the-waker-that-never-came/scenario.yaml"), story.resolve("scenario.yaml"));
        assertThat(run("demo", "--stories", dir.toString())).as(err.toString()).isZero();
        assertThat(out.toString()).contains("story 1, The waker that never came", "naming the task: request", "results: ");
        assertThat(out.toString()).doesNotContain("FAIL");
        assertThat(story.resolve("results/summary.md")).exists();
        assertThat(run("demo", "--stories", dir.resolve("nowhere").toString())).isEqualTo(2);
    }
}
