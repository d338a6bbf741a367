package dev.storyloop.stories.swarm;

import dev.storyloop.stories.run.ClaimResult;
import dev.storyloop.stories.run.StoryRunner;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.LongStream;

import static org.assertj.core.api.Assertions.assertThat;

/** The shrinker takes a world failing through a planted bug down to a small one that fails the same way, as a runnable file. */
class ShrinkerTest {
    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = ';', value = {
            "loop: select-loses-reading; books-balance",
            "refresh-loses-wake: true, token-refresh: 2s, source-of-truth-one-in: 1; no-lost-waker"})
    void shouldShrinkAFailingSeedToAtMostTwoDevicesAndOneFaultThatStillFailsTheSameInvariant(String bug, String invariant) throws Exception {
        // The first seed (from 1) whose drawn world fails through the bug with more than the bound, so there is something to shrink.
        Swarm.Verdict failing = LongStream.rangeClosed(1, 60).mapToObj(seed -> Swarm.draw(seed, bug))
                .filter(w -> w.params().devices() > 2 && w.params().faultCount() > 1).map(Swarm::check)
                .filter(v -> !v.passed() && v.violations().get(0).id().equals(invariant)).findFirst().orElseThrow();

        long started = System.nanoTime();
        Shrinker.Result result = Shrinker.shrink(failing, Shrinker.RUNS_DEFAULT, (change, verdict) -> {});
        System.out.printf("shrink of seed %d (%s): %d runs, %.1f s; kept %s%n", failing.world().seed(), bug, result.runs(),
                (System.nanoTime() - started) / 1e9, result.kept());

        Swarm.Params smallest = result.smallest().world().params();
        assertThat(result.invariant()).isEqualTo(invariant);
        assertThat(result.smallest().fails(invariant)).isTrue();
        assertThat(smallest.devices()).isLessThanOrEqualTo(2);
        assertThat(smallest.faultCount()).isLessThanOrEqualTo(1);
        assertThat(smallest.planted()).isEqualTo(bug);
        assertThat(result.kept()).isNotEmpty();

        Path story = Files.createDirectories(dir.resolve("shrunk"));
        Files.writeString(story.resolve("scenario.yaml"), result.scenarioFile());
        StoryRunner.StoryResult run = StoryRunner.run(story, null);
        assertThat(run.claims()).filteredOn(c -> !c.passes()).extracting(c -> c.claim().id()).contains(invariant);
        assertThat(run.claims()).filteredOn(c -> c.claim().id().equals(invariant)).allMatch(c -> !c.passes());
        assertThat(run.claims()).extracting(ClaimResult::passes).contains(true); // the other invariants are claims too, and they hold
    }

    @Test
    void shouldShrinkTheSameWayTwice() {
        String bug = "loop: select-loses-reading";
        Swarm.Verdict failing = LongStream.rangeClosed(1, 60).mapToObj(seed -> Swarm.check(Swarm.draw(seed, bug)))
                .filter(v -> !v.passed()).findFirst().orElseThrow();

        Shrinker.Result once = Shrinker.shrink(failing, 20, (change, verdict) -> {});
        Shrinker.Result again = Shrinker.shrink(failing, 20, (change, verdict) -> {});

        assertThat(again.kept()).isEqualTo(once.kept());
        assertThat(again.scenarioFile()).isEqualTo(once.scenarioFile());
        assertThat(once.runs()).isLessThanOrEqualTo(20);
    }
}
