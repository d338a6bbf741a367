package dev.storyloop.stories.swarm;

import org.junit.jupiter.api.Test;

import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The bounded swarm `./mvnw verify` runs (1,000 seeds by default; {@code -Dstoryloop.swarm.seeds=N}
 * for more), and proof that its invariants catch planted bugs.
 */
class SwarmTest {
    static final long SEEDS = Long.getLong("storyloop.swarm.seeds", 1_000);
    static final int THREADS = Math.max(2, Runtime.getRuntime().availableProcessors());

    @Test
    void everyInvariantHoldsInEveryDrawnWorld() throws InterruptedException {
        SwarmRun.Report report = SwarmRun.run(1, SEEDS, THREADS, verdict -> {});

        System.out.printf("swarm: %d seeds, %d failed, %.0f simulated seconds in %.1f s%n", report.seeds(), report.failed(),
                report.simulatedSeconds(), report.wallNanos() / 1e9);
        String failures = report.failures().stream()
                .map(v -> "seed " + v.world().seed() + " (" + v.world().summary() + "): " + v.violations()
                        + "; reproduce with: ./storyloop swarm --seed " + v.world().seed())
                .collect(Collectors.joining("\n"));
        assertThat(report.failed()).as(failures).isZero();
    }

    @Test
    void theSameSeedDrawsAndRunsTheSameWorld() {
        Swarm.Verdict first = Swarm.check(42);
        Swarm.Verdict again = Swarm.check(42);

        assertThat(again.world().yaml()).isEqualTo(first.world().yaml());
        assertThat(again.digest()).isEqualTo(first.digest()).isNotEmpty();
        assertThat(again.metrics()).isEqualTo(first.metrics());
        assertThat(Swarm.check(43).world().yaml()).isNotEqualTo(first.world().yaml());
    }

    @Test
    void aSelectThatDropsTheReadingInHandIsCaught() {
        long caught = 0;
        for (long seed = 1; seed <= 40; seed++) {
            Swarm.Verdict verdict = Swarm.check(Swarm.draw(seed, "loop: select-loses-reading"));
            if (verdict.fails("books-balance")) caught++;
        }
        // Only worlds whose gateway sends commands exercise the select; about half draw commands.
        assertThat(caught).isGreaterThanOrEqualTo(10);
    }

    @Test
    void aFutureThatForgetsItsWakerIsCaught() {
        String bug = "refresh-loses-wake: true, token-refresh: 2s, source-of-truth-one-in: 1";
        long caught = 0;
        for (long seed = 1; seed <= 20; seed++) {
            Swarm.Verdict verdict = Swarm.check(Swarm.draw(seed, bug));
            if (verdict.fails("no-lost-waker")) caught++;
        }
        assertThat(caught).isEqualTo(20);
    }
}
