package dev.storyloop.stories.run;

import dev.storyloop.stories.scenario.Scenario;
import dev.storyloop.stories.scenario.ScenarioFile;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The scenario's device faults in the simulated runner: a board without a last will loses power, with and without a reboot. */
class PowerCutRunTest {
    private static final String WORLD = """
            title: power cut
            duration: 40s
            devices:
              count: 3
              id: s-{n}
              firmware: {period: 1s, qos: 1, keepalive: 4s, last-will: %s}
              power-cuts:
                - {device: 2, at: 10s%s}
            expect:
              - {id: any, claim: "x", metric: run.device.power_cuts, op: "==", value: 1}
            """;

    private static RunResult run(boolean will, String rebootAfter) throws ScenarioFile.Invalid {
        Scenario scenario = ScenarioFile.parse("power-cut.yaml",
                WORLD.formatted(will, rebootAfter == null ? "" : ", reboot-after: " + rebootAfter));
        return SimRunner.run(scenario, scenario.variants().get(0), 3);
    }

    @Test
    void shouldLeaveTheRetainedOnlineAtTheBrokerWhenTheDeviceHasNoWill() throws Exception {
        RunResult result = run(false, null);
        assertThat(result.metrics()).containsEntry("device.power_cuts", 1L)
                .containsEntry("broker.retained_online_while_down", 1L)
                .containsEntry("broker.wills", 0L)
                .containsEntry("gateway.marked_down_after_cut", 1L);
        assertThat((double) result.metrics().get("broker.retained_online_down_seconds")).isEqualTo(30.0);
        assertThat((double) result.metrics().get("gateway.believed_online_after_cut_seconds")).isLessThan(4.0);
    }

    @Test
    void shouldCorrectTheRetainedStatusWithTheWillOnceTheKeepaliveLapses() throws Exception {
        RunResult result = run(true, null);
        assertThat(result.metrics()).containsEntry("broker.retained_online_while_down", 0L).containsEntry("broker.wills", 1L);
        // 1.5 x 4 s after the last packet at the earliest; later by as much as the broker's keepalive check allows
        assertThat((double) result.metrics().get("broker.retained_online_down_seconds")).isBetween(4.0, 14.0);
    }

    @Test
    void shouldPublishAgainOncePowerReturns() throws Exception {
        RunResult down = run(false, null);
        RunResult back = run(false, "10s");
        assertThat((long) back.metrics().get("gateway.received")).isGreaterThan((long) down.metrics().get("gateway.received") + 15);
        assertThat(back.metrics()).containsEntry("device.unaccounted", 0L).containsEntry("broker.retained_online_while_down", 1L);
    }

    @Test
    void shouldRefuseAPowerCutOnADeviceBeyondTheFleet() {
        assertThatThrownBy(() -> ScenarioFile.parse("bad.yaml", WORLD.formatted(false, "").replace("device: 2", "device: 9")))
                .isInstanceOf(ScenarioFile.Invalid.class).hasMessageContaining("device 9 is beyond devices.count 3");
    }
}
