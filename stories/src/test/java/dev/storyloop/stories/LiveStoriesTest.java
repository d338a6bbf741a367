package dev.storyloop.stories;

import dev.storyloop.stories.run.LiveBroker;
import dev.storyloop.stories.run.StoryRunner;
import dev.storyloop.testsupport.BrokerConfig;
import dev.storyloop.testsupport.MosquittoBroker;
import dev.storyloop.testsupport.MosquittoExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every story runs live, shortened to {@link #LIVE_SECONDS} per variant against the fixture's
 * broker, to completion: results are written, they open with what was not realised, and every claim
 * carries the simulated twin's verdict (same seed, same duration). Whether the claims hold in a
 * shortened run is the story's business, not this test's; a variant that does not boot on purpose
 * is a result in both worlds. "The broker that went away" is left out: its 1,000 live devices take
 * minutes to connect, past this test's budget (its live run is a benchmark script's job).
 */
class LiveStoriesTest {
    static final long LIVE_SECONDS = 5;
    static final String TOO_BIG_FOR_THIS_TEST = "the-broker-that-went-away";

    @RegisterExtension
    static final MosquittoExtension MOSQUITTO = MosquittoExtension.with(BrokerConfig.defaults().withMaxQueuedMessages(0));

    @Test
    void shouldRunEveryStoryLiveToCompletionAndSayClaimByClaimWhetherLiveAgrees(MosquittoBroker broker, @TempDir Path out) throws Exception {
        List<Path> stories = StoryRunner.stories(Path.of("."));
        assertThat(stories).hasSizeGreaterThanOrEqualTo(7);
        List<String> report = new ArrayList<>();
        for (Path story : stories) {
            if (story.getFileName().toString().equals(TOO_BIG_FOR_THIS_TEST)) continue;
            StoryRunner.StoryResult live = StoryRunner.runLive(story, null, limits -> LiveBroker.external(broker.url()),
                    LIVE_SECONDS * 1_000_000_000L);

            assertThat(live.simulatedClaims()).hasSameSizeAs(live.claims()).hasSameSizeAs(live.scenario().expect());
            Path written = StoryRunner.writeResults(live, out.resolve(story.getFileName()), "test");
            String summary = Files.readString(written.resolve("summary.md"));
            assertThat(summary).startsWith("# Results: " + live.scenario().title() + "\n\n## Not realised live\n\n").contains("| live agrees |");
            // The network is realised by the fault proxy: it is never among what was left out.
            live.notRealised().values().forEach(what -> assertThat(what).doesNotContain("latency", "partition"));
            report.add(story.getFileName() + ": " + live.claimsAgreeing() + " of " + live.claims().size() + " claims judged alike; not realised "
                    + live.notRealised());
        }
        System.out.println("every story live, " + LIVE_SECONDS + " s per variant:\n  " + String.join("\n  ", report));
    }

    @Test
    void shouldMakeAVariantThatDoesNotBootAResultLiveAsSimulated(MosquittoBroker broker) throws Exception {
        StoryRunner.StoryResult live = StoryRunner.runLive(Path.of("the-queue-that-filled-up"), null,
                limits -> LiveBroker.external(broker.url()), 3_000_000_000L);

        assertThat(live.metrics().get("big-queue.boot_failed")).isEqualTo(1L);
        assertThat((String) live.metrics().get("big-queue.boot_error")).contains("uplink queue 2000 x 180 B");
        for (int i = 0; i < live.claims().size(); i++) {
            if (!live.claims().get(i).claim().metric().startsWith("big-queue.")) continue;
            assertThat(live.claims().get(i).passes()).as(live.claims().get(i).toString()).isTrue();
            assertThat(live.agreesWithSimulated(i)).isTrue();
        }
    }
}
