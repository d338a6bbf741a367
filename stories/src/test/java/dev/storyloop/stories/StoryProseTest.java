package dev.storyloop.stories;

import dev.storyloop.stories.run.StoryRunner;
import dev.storyloop.stories.scenario.Scenario;
import dev.storyloop.stories.scenario.ScenarioFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The prose check on a real story: in a copy of the cheapest story whose prose links a number to
 * its results, one linked number is changed, and the run no longer agrees with its story.
 */
class StoryProseTest {
    private static final Pattern LINKED_NUMBER = Pattern.compile("\\[(\\d[\\d,]*)([^\\]]*)\\]\\(results/summary\\.md#([a-z0-9][a-z0-9.-]*)\\)");

    @Test
    void shouldFailTheRunWhenOneLinkedNumberInACopyOfAStoryChanges(@TempDir Path dir) throws Exception {
        Optional<Path> story = StoryRunner.stories(Path.of(".")).stream().filter(StoryProseTest::linksANumber)
                .min(Comparator.comparingLong(StoryProseTest::cost));
        assumeTrue(story.isPresent(), "no story links a number to its results yet");
        Path copy = Files.createDirectory(dir.resolve(story.get().getFileName().toString()));
        Files.copy(story.get().resolve("scenario.yaml"), copy.resolve("scenario.yaml"));
        String prose = Files.readString(story.get().resolve("story.md"));
        Matcher m = LINKED_NUMBER.matcher(prose);
        assertThat(m.find()).isTrue();
        String written = m.group(1);
        String changed = written.substring(0, written.length() - 1) + (char) ('0' + (written.charAt(written.length() - 1) - '0' + 1) % 10);
        Files.writeString(copy.resolve("story.md"), prose.substring(0, m.start(1)) + changed + prose.substring(m.end(1)));
        int line = (int) prose.substring(0, m.start()).chars().filter(c -> c == '\n').count() + 1;

        StoryRunner.StoryResult result = StoryRunner.run(copy, null);

        assertThat(result.holds()).isFalse();
        assertThat(result.prose().problems()).anySatisfy(p -> assertThat(p)
                .startsWith("story.md:" + line + ": [" + changed + m.group(2) + "](#" + m.group(3) + ") says "));
    }

    private static boolean linksANumber(Path story) {
        try {
            return Files.isRegularFile(story.resolve("story.md")) && LINKED_NUMBER.matcher(Files.readString(story.resolve("story.md"))).find();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Device-seconds over all variants: a rough cost of running the story. */
    private static long cost(Path story) {
        try {
            Scenario s = ScenarioFile.read(story.resolve("scenario.yaml"));
            return (long) s.devices().count() * s.duration().nanos() / 1_000_000_000L * s.variants().size();
        } catch (ScenarioFile.Invalid e) {
            return Long.MAX_VALUE;
        }
    }

}
