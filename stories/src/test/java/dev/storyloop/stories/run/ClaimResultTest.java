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
}
