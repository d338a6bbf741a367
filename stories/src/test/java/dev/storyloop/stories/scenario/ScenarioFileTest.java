package dev.storyloop.stories.scenario;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ScenarioFileTest {
    static final String MINIMAL = """
            title: A queue
            duration: 10s
            expect:
              - id: nothing-lost
                claim: nothing is lost
                metric: run.device.dropped
                op: "=="
                value: 0
            """;

    @Test
    void shouldFillEveryDefaultOfAMinimalScenario() throws Exception {
        Scenario s = ScenarioFile.parse("s.yaml", MINIMAL);
        assertThat(s.seed()).isEqualTo(1);
        assertThat(s.duration().nanos()).isEqualTo(10_000_000_000L);
        assertThat(s.devices().count()).isEqualTo(1);
        assertThat(s.devices().idOf(1)).isEqualTo("pi-1");
        assertThat(s.variants()).extracting(Scenario.Variant::name).containsExactly("run");
        assertThat(s.broker().maxQueued()).isEqualTo(1000);
        assertThat(s.expect().get(0).describe()).isEqualTo("run.device.dropped == 0");
    }

    @Test
    void shouldMergeAVariantsFirmwareOverTheScenarios() throws Exception {
        Scenario s = ScenarioFile.parse("s.yaml", MINIMAL + """
                devices:
                  count: 3
                  firmware: {period: 10ms, capacity: 16, policy: block}
                variants:
                  - name: drop
                    firmware: {policy: drop-oldest}
                """);
        Scenario.Firmware merged = s.devices().firmware().with(s.variants().get(0).firmware());
        assertThat(merged.policy()).isEqualTo("drop-oldest");
        assertThat(merged.capacity()).isEqualTo(16);
        assertThat(merged.period().nanos()).isEqualTo(10_000_000L);
    }

    @Test
    void shouldNameFileLineAndFieldOfAnUnknownKey() {
        assertThatThrownBy(() -> ScenarioFile.parse("s.yaml", MINIMAL + "devices:\n  count: 2\n  firmwear: {}\n"))
                .isInstanceOf(ScenarioFile.Invalid.class).hasMessage("s.yaml:11: devices.firmwear: unknown key 'firmwear'");
    }

    @Test
    void shouldNameFileLineAndFieldOfAWrongTypeOrRange() {
        assertThatThrownBy(() -> ScenarioFile.parse("s.yaml", MINIMAL + "devices:\n  count: many\n"))
                .isInstanceOf(ScenarioFile.Invalid.class).hasMessageStartingWith("s.yaml:10: devices.count: ");
        assertThatThrownBy(() -> ScenarioFile.parse("s.yaml", MINIMAL + "devices:\n  count: 0\n"))
                .isInstanceOf(ScenarioFile.Invalid.class).hasMessageContaining("devices.count must be 1..");
        assertThatThrownBy(() -> ScenarioFile.parse("s.yaml", MINIMAL + "devices:\n  firmware: {period: fast}\n"))
                .isInstanceOf(ScenarioFile.Invalid.class).hasMessageContaining("devices.firmware.period: 'fast' is not a duration");
        assertThatThrownBy(() -> ScenarioFile.parse("s.yaml", MINIMAL + "devices:\n  firmware: {policy: sometimes}\n"))
                .isInstanceOf(ScenarioFile.Invalid.class).hasMessageContaining("policy must be block, drop-oldest or drop-newest");
        assertThatThrownBy(() -> ScenarioFile.parse("s.yaml", "title: t\nduration: 1s\nexpect: []\n"))
                .isInstanceOf(ScenarioFile.Invalid.class).hasMessageContaining("at least one claim");
        assertThatThrownBy(() -> ScenarioFile.parse("s.yaml", "title: [unclosed\n"))
                .isInstanceOf(ScenarioFile.Invalid.class).hasMessageStartingWith("s.yaml");
    }

    @Test
    void shouldRequireAUniqueIdForEveryClaim() {
        assertThatThrownBy(() -> ScenarioFile.parse("s.yaml", MINIMAL.replace("  - id: nothing-lost\n    claim:", "  - claim:")))
                .isInstanceOf(ScenarioFile.Invalid.class).hasMessageContaining("id");
        assertThatThrownBy(() -> ScenarioFile.parse("s.yaml", MINIMAL + """
                  - id: nothing-lost
                    claim: again
                    metric: run.device.dropped
                    op: "=="
                    value: 0
                """))
                .isInstanceOf(ScenarioFile.Invalid.class).hasMessageContaining("claim id 'nothing-lost' is used twice");
        assertThatThrownBy(() -> ScenarioFile.parse("s.yaml", MINIMAL.replace("id: nothing-lost", "id: Nothing Lost")))
                .isInstanceOf(ScenarioFile.Invalid.class).hasMessageContaining("claim id 'Nothing Lost' must be lower-case");
    }

    @Test
    void shouldReadARefutedClaim() throws Exception {
        Scenario s = ScenarioFile.parse("s.yaml", MINIMAL + "    refuted: true\n");
        assertThat(s.expect().get(0).refuted()).isTrue();
        assertThat(ScenarioFile.parse("s.yaml", MINIMAL).expect().get(0).refuted()).isFalse();
    }
}
