package dev.storyloop.stories.scenario;

import dev.storyloop.stories.catalog.Metric;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class ClaimCheckTest {
    private static final String HEAD = """
            title: A check
            duration: 10s
            variants:
              - name: buggy
              - name: fixed
            expect:
              - id: first
                claim: a claim
            """;

    private static List<String> problems(String claimTail, Metric.World world) throws Exception {
        String text = HEAD + claimTail;
        return ClaimCheck.problems("s.yaml", text, ScenarioFile.parse("s.yaml", text), world);
    }

    @Test
    void shouldAcceptAClaimOnAKnownMetricOfAKnownVariant() throws Exception {
        assertThat(problems("    metric: buggy.gateway.missing\n    op: \"==\"\n    value: 0\n", Metric.World.SIMULATED)).isEmpty();
        assertThat(problems("    metric: buggy.lost_waker_task\n    op: \"==\"\n    value: \"request\"\n", Metric.World.LIVE)).isEmpty();
    }

    @Test
    void shouldNameAnUnknownMetricWithTheClosestOne() throws Exception {
        assertThat(problems("    metric: buggy.gateway.mising\n    op: \"==\"\n    value: 0\n", Metric.World.SIMULATED)).containsExactly(
                "s.yaml:7: claim 'first': metric: unknown metric 'gateway.mising' (did you mean 'gateway.missing'?); "
                        + "./storyloop metrics lists them all");
    }

    @Test
    void shouldNameAnUnknownVariantWithTheClosestOne() throws Exception {
        assertThat(problems("    metric: fixd.gateway.missing\n    op: \"==\"\n    value: 0\n", Metric.World.SIMULATED)).containsExactly(
                "s.yaml:7: claim 'first': metric: unknown variant 'fixd' (did you mean 'fixed'?); the variants are [buggy, fixed]");
        assertThat(problems("    metric: buggy.gateway.missing\n    op: \"==\"\n    other: fixd.gateway.missing\n", Metric.World.SIMULATED))
                .containsExactly("s.yaml:7: claim 'first': other: unknown variant 'fixd' (did you mean 'fixed'?); the variants are [buggy, fixed]");
        assertThat(problems("    metric: missing\n    op: \"==\"\n    value: 0\n", Metric.World.SIMULATED)).containsExactly(
                "s.yaml:7: claim 'first': metric 'missing' must be VARIANT.metric, one of the variants [buggy, fixed]");
    }

    @Test
    void shouldRefuseAValueOfTheWrongType() throws Exception {
        assertThat(problems("    metric: buggy.gateway.missing\n    op: \"==\"\n    value: \"none\"\n", Metric.World.SIMULATED)).containsExactly(
                "s.yaml:7: claim 'first': value \"none\" is not a number, but gateway.missing is a count in count");
        assertThat(problems("    metric: buggy.lost_waker_task\n    op: \"==\"\n    value: 3\n", Metric.World.SIMULATED)).containsExactly(
                "s.yaml:7: claim 'first': value 3 is not a text, but lost_waker_task is a name; write it in quotes");
        assertThat(problems("    metric: buggy.lost_waker_task\n    op: \">\"\n    value: \"a\"\n", Metric.World.SIMULATED)).containsExactly(
                "s.yaml:7: claim 'first': op '>' needs a number, but lost_waker_task is a name (a text); use ==, != or contains");
        assertThat(problems("    metric: buggy.gateway.missing\n    op: contains\n    value: 1\n", Metric.World.SIMULATED)).containsExactly(
                "s.yaml:7: claim 'first': op 'contains' needs a text, but gateway.missing is a count (a number)");
        assertThat(problems("    metric: buggy.gateway.missing\n    op: \"==\"\n    other: fixed.lost_waker_task\n", Metric.World.SIMULATED))
                .containsExactly("s.yaml:7: claim 'first': gateway.missing (count) cannot be compared with lost_waker_task (name)");
    }

    @Test
    void shouldRefuseAMetricTheChosenWorldDoesNotProduce() throws Exception {
        assertThat(problems("    metric: buggy.broker.unrouted\n    op: \"==\"\n    value: 0\n", Metric.World.LIVE)).containsExactly(
                "s.yaml:7: claim 'first': metric: metric 'broker.unrouted' is not produced live (--live) (only simulated)");
        assertThat(problems("    metric: buggy.not_realised\n    op: \"==\"\n    value: \"\"\n", Metric.World.SIMULATED)).containsExactly(
                "s.yaml:7: claim 'first': metric: metric 'not_realised' is not produced in the simulated world (only live)");
    }

    @Test
    void shouldCheckPlotsAndComparisons() throws Exception {
        String text = HEAD + "    metric: buggy.gateway.missing\n    op: \"==\"\n    value: 0\nplots: [buffered, gateway_backlg]\ncompare: [gateway.recieved]\n";
        assertThat(ClaimCheck.problems("s.yaml", text, ScenarioFile.parse("s.yaml", text), Metric.World.SIMULATED)).containsExactly(
                "s.yaml:12: plots: unknown series 'gateway_backlg' (did you mean 'gateway_backlog'?)",
                "s.yaml:13: compare: unknown metric 'gateway.recieved' (did you mean 'gateway.received' or 'gateway.rejected' or 'gateway.reordered'?)");
        assertThat(ClaimCheck.problems("s.yaml", text.replace("gateway_backlg", "throttled").replace("gateway.recieved", "gateway.received"),
                ScenarioFile.parse("s.yaml", text), Metric.World.LIVE)).isNotEmpty();
    }

    @Test
    void shouldFindLinksToNothingInStoryMdBeforeTheRun() throws Exception {
        String text = HEAD + "    metric: buggy.gateway.missing\n    op: \"==\"\n    value: 0\n";
        Scenario scenario = ScenarioFile.parse("s.yaml", text);
        String story = """
                # A check
                It missed [0 readings](results/summary.md#first), see [the claims](results/summary.md#claims)
                and [12](results/summary.md#m-fixed.gateway.received).
                Then [3](results/summary.md#frist) and [4](results/summary.md#m-fixed.gateway.recieved)
                and [5](results/summary.md#m-buggi.gateway.received).
                """;
        assertThat(ClaimCheck.linkProblems(story, scenario)).containsExactly(
                "story.md:4: [3] links to #frist: no claim has that id (did you mean 'first'?); a metric is linked as #m-VARIANT.metric",
                "story.md:4: [4] links to #m-fixed.gateway.recieved: link: unknown metric 'gateway.recieved' (did you mean 'gateway.received'"
                        + " or 'gateway.rejected' or 'gateway.reordered'?); ./storyloop metrics lists them all",
                "story.md:5: [5] links to #m-buggi.gateway.received: link: unknown variant 'buggi' (did you mean 'buggy'?); the variants are"
                        + " [buggy, fixed]");
    }
}
