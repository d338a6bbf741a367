package dev.storyloop.stories.run;

import dev.storyloop.stories.scenario.Scenario;
import dev.storyloop.stories.scenario.ScenarioFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class ProseCheckTest {
    private static final String SCENARIO = """
            title: Prose
            duration: 10s
            variants:
              - name: a
            expect:
              - id: share
                claim: a share
                metric: a.gateway.command_timeout_share
                op: "<"
                value: 1
            """;

    private static Scenario scenario() throws Exception {
        return ScenarioFile.parse("s.yaml", SCENARIO);
    }

    @Test
    void shouldCheckANumberAtThePrecisionWritten() throws Exception {
        Map<String, Object> metrics = Map.of("a.gateway.command_timeout_share", 0.04437, "a.device.delivered", 1080L);
        ProseCheck.Result ok = ProseCheck.check("""
                About [4.4%](results/summary.md#share) hang; [1,080 frames](results/summary.md#m-a.device.delivered) arrived
                ([claim 1](results/summary.md#share), [plots](results/summary.md#plots)).
                """, scenario(), metrics);
        assertThat(ok.problems()).isEmpty();
        assertThat(ok.checked()).hasSize(2);

        ProseCheck.Result drift = ProseCheck.check("About [4.5%](results/summary.md#share) hang.\n\nThen [1,081](results/summary.md#m-a.device.delivered).\n",
                scenario(), metrics);
        assertThat(drift.problems()).containsExactly(
                "story.md:1: [4.5%](#share) says 4.5%, the run measured 4.4% (0.04437 as a share)",
                "story.md:3: [1,081](#m-a.device.delivered) says 1,081, the run measured 1,080");
    }

    @Test
    void shouldRefuseALinkToNothing() throws Exception {
        ProseCheck.Result result = ProseCheck.check("[claim 3](results/summary.md#claim-3)\n", scenario(), Map.of());
        assertThat(result.problems()).containsExactly(
                "story.md:1: [claim 3] links to #claim-3, which is no claim id and no m-VARIANT.metric of this run");
    }

    @Test
    void shouldFailARunWhenOneNumberInACopyOfAStoryChanges(@TempDir Path dir) throws Exception {
        Path story = Files.createDirectory(dir.resolve("a-story"));
        Files.writeString(story.resolve("scenario.yaml"), """
                title: A story
                duration: 5s
                devices: {count: 2, firmware: {period: 100ms}}
                expect:
                  - id: sampled
                    claim: readings were taken
                    metric: run.device.sampled
                    op: ">"
                    value: 0
                """);
        StoryRunner.StoryResult measured = StoryRunner.run(story, null);
        long sampled = (Long) measured.metrics().get("run.device.sampled");
        Files.writeString(story.resolve("story.md"), "Barbara counted [" + sampled + " readings](results/summary.md#sampled).\n");
        StoryRunner.StoryResult agrees = StoryRunner.run(story, null);
        assertThat(agrees.prose().checked()).hasSize(1);
        assertThat(agrees.holds()).isTrue();

        Files.writeString(story.resolve("story.md"), "Barbara counted [" + (sampled + 1) + " readings](results/summary.md#sampled).\n");
        StoryRunner.StoryResult drifted = StoryRunner.run(story, null);
        assertThat(drifted.holds()).isFalse();
        assertThat(drifted.claims()).allMatch(ClaimResult::passes);
        assertThat(drifted.prose().problems()).containsExactly("story.md:1: [" + (sampled + 1) + " readings](#sampled) says " + (sampled + 1)
                + ", the run measured " + Human.number(sampled));
        assertThat(StoryRunner.claimsTable(drifted)).contains("FAIL story.md:1:");
    }
}
