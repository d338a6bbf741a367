package dev.storyloop.stories;

import dev.storyloop.stories.run.ClaimResult;
import dev.storyloop.stories.run.LiveBroker;
import dev.storyloop.stories.run.StoryRunner;
import dev.storyloop.testsupport.BrokerConfig;
import dev.storyloop.testsupport.MosquittoBroker;
import dev.storyloop.testsupport.MosquittoExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The network section realised live: latency both ways and a two-way partition that heals, through
 * the fault proxy, with the same claims checked in both worlds (16 s per variant live; the
 * tolerances are stated and explained in the scenario's header).
 */
class LiveNetworkTest {
    @RegisterExtension
    static final MosquittoExtension MOSQUITTO = MosquittoExtension.with(BrokerConfig.defaults().withMaxQueuedMessages(0));

    @Test
    void shouldHoldThePartitionAndLatencyClaimsLiveAndSimulated(MosquittoBroker broker) throws Exception {
        Path story = Path.of("src/test/resources/live/partition-latency");
        StoryRunner.StoryResult live = StoryRunner.runLive(story, null, limits -> LiveBroker.external(broker.url()), null);

        System.out.println("partition and latency: " + describe(live));
        assertThat(live.simulatedClaims()).as("the simulated twin: " + describe(live)).hasSize(8).allMatch(ClaimResult::passes);
        assertThat(live.claims()).as(describe(live)).allMatch(ClaimResult::passes);
        assertThat(live.claimsAgreeing()).isEqualTo(8);
        assertThat(live.metrics().get("partition.realised")).isEqualTo("partition at 4s for 6s");
        assertThat(live.metrics().get("partition.not_realised")).isEqualTo("");
        // The proxy held the packets the partition caught (at most a window of 8 per sensor: the rest waited in RAM).
        assertThat((Long) live.metrics().get("partition.network.held_by_partition")).isBetween(1L, 5L * 8 + 5);
        assertThat(live.metrics().get("latency.network.held_by_partition")).isEqualTo(0L);
    }

    private static String describe(StoryRunner.StoryResult result) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < result.claims().size(); i++) {
            ClaimResult c = result.claims().get(i);
            out.append(c.claim().id()).append(" live ").append(c.measured()).append(' ').append(c.verdict())
                    .append(", simulated ").append(result.simulatedClaims().get(i).measured()).append("; ");
        }
        return out.toString();
    }
}
