package dev.storyloop.stories;

import dev.storyloop.stories.run.ClaimResult;
import dev.storyloop.stories.run.StoryRunner;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every story's claims hold in the simulated world, the same seed gives the same digest twice,
 * and the committed results are the ones a fresh run writes (they never go stale).
 */
class StoriesTest {

    @TestFactory
    List<DynamicTest> everyStoryHoldsIsDeterministicAndItsResultsAreCurrent() throws Exception {
        List<Path> stories = StoryRunner.stories(Path.of("."));
        assertThat(stories).as("story folders next to this module's pom").isNotEmpty();
        return stories.stream().map(dir -> DynamicTest.dynamicTest(dir.getFileName().toString(), () -> {
            StoryRunner.StoryResult first = StoryRunner.run(dir, null);
            StoryRunner.StoryResult second = StoryRunner.run(dir, null);
            String failing = first.claims().stream().filter(c -> !c.passes())
                    .map(c -> c.claim().describe() + " measured " + c.measured()).collect(Collectors.joining("; "));
            assertThat(first.claims()).as("claims that do not hold: " + failing).allMatch(ClaimResult::passes);
            assertThat(second.digest()).as("the same seed twice").isEqualTo(first.digest());
            Path summary = dir.resolve("results/summary.md");
            assertThat(summary).as("results are committed; make them with ./storyloop run " + dir).exists();
            assertThat(Files.readString(summary)).as("committed results are stale: run ./storyloop run stories/" + dir.getFileName())
                    .contains("Trace digest: `" + first.digest() + "`");
            for (String plot : new String[] {"queue-depth.svg", "throughput.svg", "connects.svg", "latency.svg", "memory.svg"}) {
                assertThat(dir.resolve("results").resolve(plot)).exists();
            }
        })).toList();
    }
}
