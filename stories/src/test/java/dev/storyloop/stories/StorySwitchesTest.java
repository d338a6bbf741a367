package dev.storyloop.stories;

import dev.storyloop.stories.run.ClaimResult;
import dev.storyloop.stories.run.StoryRunner;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Each story's claims can fail: in a copy of the story, its switch is flipped (the bug turned off,
 * the fix reverted, the policy swapped) and at least the named claims then fail. The table is the
 * "What would make each claim fail" section of stories/README.md, run.
 */
class StorySwitchesTest {

    /** One flip: in {@code story}'s scenario.yaml, {@code from} becomes {@code to}, and the claims {@code failing} must then fail. */
    record Flip(String story, String from, String to, Set<String> failing) {}

    static final List<Flip> FLIPS = List.of(
            new Flip("the-waker-that-never-came", "refresh-loses-wake: true", "refresh-loses-wake: false",
                    Set.of("hang-share", "lost-wakers", "lost-waker-task", "slots-abandoned")),
            new Flip("the-loop-that-stopped", "hmac-inline: true", "hmac-inline: false",
                    Set.of("long-polls", "long-poll-task")),
            new Flip("the-queue-that-filled-up", "{policy: drop-oldest}", "{policy: drop-newest}",
                    Set.of("fresh-readings")),
            new Flip("the-broker-that-went-away", "{jitter: true}", "{jitter: false}",
                    Set.of("jitter-peak", "jitter-spread", "jitter-dropped")),
            new Flip("the-timeout-that-dropped-a-reading", "{loop: select-loses-reading}", "{loop: select-keeps-reading}",
                    Set.of("readings-missing", "unaccounted-readings")),
            new Flip("the-qos-that-lost-more", "name: qos1\n    firmware: {qos: 1}", "name: qos1\n    firmware: {qos: 0}",
                    Set.of("qos1-share", "qos1-broker-dropped", "qos1-late")),
            new Flip("the-status-that-stayed-online", "last-will: false", "last-will: true",
                    Set.of("status-stayed-online", "online-whole-outage", "no-will-sent")));

    @TempDir
    Path copies;

    @TestFactory
    List<DynamicTest> shouldFailTheNamedClaimsOfEveryStoryWhenItsSwitchIsFlipped() throws Exception {
        List<Path> stories = StoryRunner.stories(Path.of("."));
        assertThat(FLIPS.stream().map(Flip::story)).as("a switch for every story")
                .containsExactlyInAnyOrderElementsOf(stories.stream().map(d -> d.getFileName().toString()).toList());
        return FLIPS.stream().map(flip -> DynamicTest.dynamicTest(flip.story(), () -> {
            Path original = Path.of(".").resolve(flip.story());
            String scenario = Files.readString(original.resolve("scenario.yaml"));
            assertThat(scenario).as("the switch in " + flip.story() + "/scenario.yaml").contains(flip.from());
            Path copy = Files.createDirectories(copies.resolve(flip.story()));
            Files.writeString(copy.resolve("scenario.yaml"), scenario.replace(flip.from(), flip.to()));
            Files.copy(original.resolve("story.md"), copy.resolve("story.md"));

            StoryRunner.StoryResult flipped = StoryRunner.run(copy, null);
            Set<String> failed = flipped.claims().stream().filter(c -> !c.passes()).map(c -> c.claim().id()).collect(Collectors.toSet());
            assertThat(failed).as(flip.story() + " with " + flip.to() + ": the claims that failed").containsAll(flip.failing());
            assertThat(flipped.claims()).as("at least one claim fails").anyMatch(c -> !c.passes());
            assertThat(flipped.claims().stream().map(ClaimResult::claim).map(c -> c.id())).containsAll(flip.failing());
        })).toList();
    }
}
