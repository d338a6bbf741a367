package dev.storyloop.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

class ReplayCommandTest {
    private static final String TRACE = String.join("\n",
            "{\"t\":0,\"ex\":\"valve-1\",\"e\":\"spawn\",\"task\":\"request#3.1\"}",
            "{\"t\":0,\"ex\":\"valve-1\",\"e\":\"poll\",\"task\":\"request#3.1\"}",
            "{\"t\":5,\"ex\":\"valve-1\",\"e\":\"pend\",\"task\":\"request#3.1\",\"on\":\"HMAC refresh (board worker) [no waker held]\",\"holders\":0}",
            "{\"t\":5,\"ex\":\"valve-1\",\"e\":\"warn\",\"kind\":\"lost-waker\",\"task\":\"request#3.1\",\"msg\":\"lost waker: task 'request'\"}",
            "");

    @Test
    void shouldPrintTheFirstWarningAndTheTasksAtItWithoutServing(@TempDir Path dir) throws Exception {
        Path trace = dir.resolve("run.jsonl");
        Files.writeString(trace, TRACE, StandardCharsets.UTF_8);
        Cli cli = new Cli();

        int code = cli.run("replay", trace.toString(), "--no-serve");

        assertThat(code).as(cli.err.toString()).isZero();
        assertThat(cli.out.toString()).contains("trace: 4 events", "1 warning(s)", "first warning at 0.000000 s on valve-1: lost waker: task 'request'")
                .containsPattern("request#3\\.1 +PENDING +HMAC refresh \\(board worker\\) \\[no waker held\\]");
    }

    @Test
    void shouldSayWhyATraceCannotBeOpened(@TempDir Path dir) throws Exception {
        Path trace = dir.resolve("notes.txt");
        Files.writeString(trace, "not a trace\n", StandardCharsets.UTF_8);
        Cli cli = new Cli();

        assertThat(cli.run("replay", trace.toString(), "--no-serve")).isEqualTo(2);
        assertThat(cli.err.toString()).contains("no trace events (1 line(s) that are not events)");
    }

    @Test
    void shouldNameTheVariantsWhenAskedForOneTheStoryHasNot() {
        Cli cli = new Cli();

        assertThat(cli.run("replay", "the-waker-that-never-came", "--variant", "at-999", "--no-serve")).isEqualTo(2);
        assertThat(cli.err.toString()).contains("no variant 'at-999'; the scenario has at-150, at-210, fixed-210");
    }
}
