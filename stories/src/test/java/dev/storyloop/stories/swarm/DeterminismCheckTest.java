package dev.storyloop.stories.swarm;

import dev.storyloop.device.firmware.Device;
import dev.storyloop.device.diag.Diagnostics;
import dev.storyloop.stories.run.RunResult;
import dev.storyloop.stories.run.SimRunner;
import dev.storyloop.stories.scenario.Scenario;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/** The determinism self-check names the first event where two runs part, and says identical, with the digest, when they do not. */
class DeterminismCheckTest {
    static final long SEED = 11;
    /** The simulated second at which the planted nondeterminism acts. */
    static final double DIVERGE_AT_SECONDS = 3;

    @Test
    void shouldSayIdenticalWithTheDigestForTheSameSeed() throws InterruptedException {
        Swarm.World world = Swarm.draw(SEED);

        DeterminismCheck.Outcome outcome = Swarm.checkDeterminism(world);

        assertThat(outcome.identical()).as(outcome.describe()).isTrue();
        assertThat(outcome.digest()).isEqualTo(Swarm.check(world).digest()).isNotEmpty();
        assertThat(outcome.events()).isGreaterThan(1_000);
        assertThat(outcome.describe()).startsWith("identical: " + outcome.events() + " trace events, digest " + outcome.digest());
    }

    @Test
    void shouldNameTheFirstDifferingEventWhenOneRunIsMadeToDiffer() throws InterruptedException {
        Scenario scenario = Swarm.draw(SEED).scenario();
        AtomicInteger runs = new AtomicInteger();

        // A test-only nondeterminism: whichever run starts second has its first device sample faster from second 3 on.
        DeterminismCheck.Outcome outcome = DeterminismCheck.check((sink, progress) -> {
            RunResult run = run(scenario, runs.incrementAndGet() == 2, sink, progress);
            return new DeterminismCheck.Ran(run.digest(), run.metrics());
        });

        System.out.println("planted nondeterminism: " + outcome.describe());
        StringBuilder plain = new StringBuilder();
        StringBuilder perturbed = new StringBuilder();
        run(scenario, false, plain, SimRunner.Progress.NONE);
        run(scenario, true, perturbed, SimRunner.Progress.NONE);
        List<String> a = plain.toString().lines().toList();
        List<String> b = perturbed.toString().lines().toList();
        int index = 0;
        while (index < Math.min(a.size(), b.size()) && a.get(index).equals(b.get(index))) index++;
        assertThat(index).as("the perturbation changes the trace, after its start").isBetween(100, Math.min(a.size(), b.size()) - 1);

        assertThat(outcome.identical()).isFalse();
        assertThat(outcome.index()).isEqualTo(index);
        assertThat(Set.of(outcome.first(), outcome.second())).isEqualTo(Set.of(a.get(index), b.get(index)));
        assertThat(outcome.describe()).contains("the runs differ at event " + index + " ", "first run:  ", "second run: ", a.get(index));
        assertThat(runs.get()).isEqualTo(2);
    }

    @Test
    void shouldNameTheFirstDifferingMetricWhenTheTracesAgree() throws InterruptedException {
        AtomicInteger runs = new AtomicInteger();

        DeterminismCheck.Outcome outcome = DeterminismCheck.check((sink, progress) -> {
            int n = runs.incrementAndGet();
            return new DeterminismCheck.Ran("digest-" + n, java.util.Map.of("a", 1L, "b", (long) n));
        });

        assertThat(outcome.identical()).isFalse();
        assertThat(outcome.metric()).startsWith("b = ");
        assertThat(outcome.describe()).contains("the traces agree (0 events) but the metrics differ: b = ");
    }

    private static RunResult run(Scenario scenario, boolean perturb, Appendable sink, SimRunner.Progress outer) {
        SimRunner.Progress progress = new SimRunner.Progress() {
            boolean done;

            @Override
            public void update(String variant, double simulatedSeconds, double totalSeconds, long events) {
                outer.update(variant, simulatedSeconds, totalSeconds, events);
            }

            @Override
            public void stepped(String variant, long nowNanos, List<Device> devices, List<Diagnostics> diagnostics) {
                if (perturb && !done && nowNanos >= DIVERGE_AT_SECONDS * 1e9) {
                    devices.get(0).samplePeriodNanos(37_000_000L);
                    done = true;
                }
            }
        };
        return SimRunner.run(scenario, scenario.variants().get(0), SEED, progress, sink);
    }
}
