package dev.storyloop.gateway.core;

import dev.storyloop.protocol.CommandCode;
import dev.storyloop.protocol.ConformanceKit;
import org.junit.jupiter.api.Test;

import java.util.HexFormat;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Runs the protocol's conformance kit against the gateway core: every step gets exactly the reaction the kit names. */
class ConformanceKitTest {
    static final long MS = 1_000_000L;

    @Test
    void shouldReactToEveryStepOfTheKitAsItSays() {
        GatewayCoreTest.Recorded out = new GatewayCoreTest.Recorded();
        GatewayCore core = new GatewayCore(GatewayConfig.defaults().withEpoch(ConformanceKit.EPOCH), Keyring.development(), out);
        List<ConformanceKit.Step> steps = ConformanceKit.steps();
        assertThat(steps).hasSizeGreaterThan(20);
        int commands = 0;
        for (ConformanceKit.Step step : steps) {
            long now = step.atMillis() * MS;
            switch (step.action()) {
                case "publish" -> {
                    Rejection rejection = core.handle(now, step.topic(), step.payload());
                    assertThat(rejection == null ? "accepted" : rejection.label()).as("step %s", step).isEqualTo(step.expected());
                }
                case "command" -> {
                    String[] words = step.description().split("[ :]");
                    String device = step.topic().split("/")[2];
                    GatewayCore.Submission submission = core.sendCommand(now, device, CommandCode.valueOf(words[0]), Integer.parseInt(words[1]));
                    assertThat(submission.accepted()).as("step %s", step).isTrue();
                    assertThat(out.published.get(out.published.size() - 1)).as("step %s", step).isEqualTo(step.topic());
                    assertThat(HexFormat.of().formatHex(out.payloads.get(out.payloads.size() - 1))).as("step %s", step)
                            .isEqualTo(HexFormat.of().formatHex(step.payload()));
                    commands++;
                }
                default -> throw new AssertionError("unknown action in step " + step + ": " + step.action());
            }
        }
        assertThat(commands).isEqualTo(2);
        assertThat(core.resyncs()).isEqualTo(1);
        assertThat(core.commandsAcked()).isEqualTo(2);
        assertThat(core.device("pi-1").sequences().missing()).isZero();
    }
}
