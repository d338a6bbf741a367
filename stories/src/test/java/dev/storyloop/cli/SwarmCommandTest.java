package dev.storyloop.cli;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class SwarmCommandTest {
    @Test
    void oneSeedPrintsItsWorldItsMetricsAndTheVerdict() {
        Cli cli = new Cli();
        assertThat(cli.run("swarm", "--seed", "7")).isEqualTo(0);
        assertThat(cli.out.toString())
                .contains("# world of seed 7:", "title: swarm seed 7", "#   gateway.missing = ", "# digest ", "seed 7: every invariant holds");
    }

    @Test
    void aCountOfSeedsEndsWithASummary() {
        Cli cli = new Cli();
        assertThat(cli.run("swarm", "--count", "8", "--from", "100", "--threads", "2")).isEqualTo(0);
        assertThat(cli.out.toString()).contains("swarm: 8 seed(s) from 100, 0 failed");
    }

    @Test
    void badFlagsExitWithTwo() {
        assertThat(new Cli().run("swarm", "--count", "0")).isEqualTo(2);
        assertThat(new Cli().run("swarm", "--threads", "0", "--count", "3")).isEqualTo(2);
        assertThat(new Cli().run("swarm", "--count", "lots")).isEqualTo(2);
    }
}
