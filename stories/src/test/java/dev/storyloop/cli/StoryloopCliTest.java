package dev.storyloop.cli;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;

import static org.assertj.core.api.Assertions.assertThat;

class StoryloopCliTest {

    private static int run(StringWriter out, StringWriter err, String... args) {
        CommandLine cli = StoryloopCli.commandLine();
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        return cli.execute(args);
    }

    @Test
    void shouldListTheSubcommandsInItsHelp() {
        StringWriter out = new StringWriter();
        assertThat(run(out, new StringWriter(), "--help")).isZero();
        assertThat(out.toString()).contains("Usage: storyloop", "demo");
    }

    @Test
    void shouldExitWithTwoOnAnUnknownFlag() {
        StringWriter err = new StringWriter();
        assertThat(run(new StringWriter(), err, "demo", "--no-such-flag")).isEqualTo(2);
        assertThat(err.toString()).contains("Unknown option: '--no-such-flag'");
    }

    @Test
    void shouldExitWithTwoOnAMalformedNumber() {
        StringWriter err = new StringWriter();
        assertThat(run(new StringWriter(), err, "demo", "--seed", "abc")).isEqualTo(2);
        assertThat(err.toString()).contains("--seed");
    }
}
