package dev.storyloop.stories.run;

import dev.storyloop.stories.scenario.Scenario;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class ClaimResultTest {
    private static Scenario.Claim claim(String op, Object value, boolean refuted) {
        return new Scenario.Claim("a-claim", "a claim", "run.gateway.missing", op, value, null, null, refuted);
    }

    @Test
    void shouldPassAClaimThatHolds() {
        ClaimResult result = ClaimResult.check(claim("==", 0, false), Map.of("run.gateway.missing", 0L));
        assertThat(result.holds()).isTrue();
        assertThat(result.passes()).isTrue();
        assertThat(result.verdict()).isEqualTo("holds");
    }

    @Test
    void shouldPassARefutedClaimOnlyWhenItDoesNotHold() {
        ClaimResult refuted = ClaimResult.check(claim("==", 0, true), Map.of("run.gateway.missing", 3L));
        assertThat(refuted.holds()).isFalse();
        assertThat(refuted.passes()).isTrue();
        assertThat(refuted.refutedAsExpected()).isTrue();
        assertThat(refuted.verdict()).isEqualTo("refuted, as the story says");

        ClaimResult held = ClaimResult.check(claim("==", 0, true), Map.of("run.gateway.missing", 0L));
        assertThat(held.holds()).isTrue();
        assertThat(held.passes()).isFalse();
        assertThat(held.verdict()).isEqualTo("holds, but the story says it is refuted");
    }

    @Test
    void shouldFailAClaimThatDoesNotHold() {
        ClaimResult result = ClaimResult.check(claim("==", 0, false), Map.of("run.gateway.missing", 2L));
        assertThat(result.passes()).isFalse();
        assertThat(result.verdict()).isEqualTo("does not hold");
    }

    @Test
    void shouldFailAClaimOnARatioWithNoDataEvenWhenRefuted() {
        Map<String, Object> metrics = Map.of("run.gateway.missing", new NoData("no command was sent"));
        ClaimResult plain = ClaimResult.check(claim("==", 0, false), metrics);
        assertThat(plain.passes()).isFalse();
        assertThat(plain.measured()).isEqualTo("run.gateway.missing: no data (no command was sent)");
        assertThat(plain.verdict()).isEqualTo("no data");
        assertThat(ClaimResult.check(claim("==", 0, true), metrics).passes()).isFalse();
    }

    @Test
    void shouldShowHumanNumbers() {
        assertThat(ClaimResult.show(16910.0)).isEqualTo("16,910");
        assertThat(ClaimResult.show(16912L)).isEqualTo("16,912");
        assertThat(ClaimResult.show(0.044371)).isEqualTo("0.04437");
        assertThat(ClaimResult.show(1351.25)).isEqualTo("1,351");
        assertThat(ClaimResult.show(10.03)).isEqualTo("10.03");
        assertThat(ClaimResult.show(0.0)).isEqualTo("0");
        assertThat(Human.number(-2.5)).isEqualTo("-2.5");
    }
}
