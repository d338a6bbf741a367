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
}
