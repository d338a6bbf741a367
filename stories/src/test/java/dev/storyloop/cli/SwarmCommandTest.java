package dev.storyloop.cli;

import dev.storyloop.stories.swarm.Shards;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class SwarmCommandTest {
    static final String BUG = "loop: select-loses-reading";

    @TempDir
    Path dir;

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
        assertThat(new Cli().run("swarm", "--shrink")).isEqualTo(2);
        assertThat(new Cli().run("swarm", "--shard", "4/4", "--count", "8")).isEqualTo(2);
        assertThat(new Cli().run("swarm", "--shard", "0/4", "--count", "3")).isEqualTo(2);
        assertThat(new Cli().run("swarm", "--seed", "1", "--plant", "no-such-option: 1")).isEqualTo(2);
        assertThat(new Cli().run("swarm", "--seed", "1", "--out", "x.json")).isEqualTo(2);
    }

    @Test
    void shouldShrinkAFailingSeedIntoAScenarioFileThatRunFails() throws Exception {
        Cli cli = new Cli();
        Path out = dir.resolve("shrunk");

        assertThat(cli.run("swarm", "--seed", "1", "--plant", BUG, "--shrink", "--out", out.toString())).isEqualTo(1);

        assertThat(cli.out.toString()).contains("seed 1 fails 'books-balance'", "removed, step by step (each still fails 'books-balance'):",
                "  - devices ", "smallest: 1 device(s)", "scenario: " + out.resolve("scenario.yaml"));
        assertThat(Files.readString(out.resolve("scenario.yaml"))).startsWith("# Shrunk by `storyloop swarm --seed 1 --plant \"" + BUG)
                .contains("loop: select-loses-reading", "id: books-balance");
        Cli run = new Cli();
        assertThat(run.run("run", out.toString(), "--no-write")).isEqualTo(1);
        assertThat(run.out.toString()).contains("books-balance");
        assertThat(new Cli().run("swarm", "--seed", "7", "--shrink", "--out", dir.resolve("none").toString())).isZero();
        assertThat(dir.resolve("none")).doesNotExist();
    }

    @Test
    void shouldSayASeedIsDeterministic() {
        Cli cli = new Cli();
        assertThat(cli.run("swarm", "--seed", "7", "--check-determinism")).isZero();
        assertThat(cli.out.toString()).contains("seed 7: identical: ", " trace events, digest ");

        Cli range = new Cli();
        assertThat(range.run("swarm", "--from", "3", "--count", "2", "--threads", "1", "--check-determinism")).isZero();
        assertThat(range.out.toString()).contains("determinism: 2 seed(s) from 3 each run twice: 2 identical, 0 differ");
    }

    @Test
    void shouldMergeFourShardsIntoWhatOneUnshardedRunReports() throws Exception {
        List<String> files = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            Path file = dir.resolve("shard-" + i + ".json");
            int exit = new Cli().run("swarm", "--from", "1", "--count", "10", "--plant", BUG, "--shard", i + "/4", "--threads", "2",
                    "--out", file.toString());
            assertThat(exit).isBetween(0, 1);
            files.add(file.toString());
        }
        Cli whole = new Cli();
        assertThat(whole.run("swarm", "--from", "1", "--count", "10", "--plant", BUG, "--threads", "2", "--out", dir.resolve("all.json").toString()))
                .isEqualTo(1);

        Cli merge = new Cli();
        List<String> args = new ArrayList<>(List.of("swarm", "merge", "--out", dir.resolve("merged.json").toString()));
        args.addAll(files);
        assertThat(merge.run(args.toArray(String[]::new))).isEqualTo(1);

        Shards.Result all = Shards.read(dir.resolve("all.json"));
        Shards.Result merged = Shards.read(dir.resolve("merged.json"));
        assertThat(all.failed()).isBetween(1L, 9L); // some seeds fail through the planted bug, some do not: the merge has something to get right
        assertThat(merged.verdicts()).isEqualTo(all.verdicts());
        assertThat(merge.out.toString()).contains("merged 4 file(s): seeds 1..10, 10 run, " + all.failed() + " failed",
                "failing seeds (" + all.failed() + "): " + String.join(" ", all.failingSeeds().stream().map(String::valueOf).toList()));

        Cli gap = new Cli();
        assertThat(gap.run("swarm", "merge", files.get(0), files.get(1), files.get(3))).isEqualTo(2);
        assertThat(gap.err.toString()).contains("gap: seeds 6..7 are in no shard");
        Cli overlap = new Cli();
        assertThat(overlap.run("swarm", "merge", files.get(0), files.get(1), files.get(1), files.get(2), files.get(3))).isEqualTo(2);
        assertThat(overlap.err.toString()).contains("overlap: seeds 3..5 are in both");
        Files.writeString(dir.resolve("bad.json"), "{\"format\": \"something else\"}");
        Cli bad = new Cli();
        assertThat(bad.run("swarm", "merge", dir.resolve("bad.json").toString())).isEqualTo(2);
        assertThat(bad.err.toString()).contains("bad.json: not a swarm result");
    }
}
