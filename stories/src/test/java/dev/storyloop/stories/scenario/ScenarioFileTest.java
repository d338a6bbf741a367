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
                .isInstanceOf(ScenarioFile.Invalid.class).hasMessage("s.yaml:11: devices.firmwear: unknown key 'firmwear' (did you mean 'firmware'?)");
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

    @Test
    void shouldNameTheLineOfATabAndSayYamlIndentsWithSpaces() {
        assertThatThrownBy(() -> ScenarioFile.parse("s.yaml", MINIMAL + "devices:\n\tcount: 2\n"))
                .isInstanceOf(ScenarioFile.Invalid.class).hasMessage("s.yaml:10: a tab indents this line; YAML indents with spaces only");
    }

    @Test
    void shouldSayWhatIsWrongWithAYamlSyntaxError() {
        assertThatThrownBy(() -> ScenarioFile.parse("s.yaml", MINIMAL + "network:\n  partitions: [{at: 1s, for: 1s}\nbroker: {}\n"))
                .isInstanceOf(ScenarioFile.Invalid.class)
                .hasMessage("s.yaml:10: a [ list is not closed with ] (or an item in it is not followed by a comma)");
        assertThatThrownBy(() -> ScenarioFile.parse("s.yaml", MINIMAL + "summary: the gateway: down\n"))
                .isInstanceOf(ScenarioFile.Invalid.class)
                .hasMessage("s.yaml:9: a ':' where no key can start: quote a text that contains ': ', or check the indentation of this line");
        assertThatThrownBy(() -> ScenarioFile.parse("s.yaml", MINIMAL + "seed: 1\nseed: 2\n"))
                .isInstanceOf(ScenarioFile.Invalid.class).hasMessage("s.yaml:10: the key 'seed' appears twice in the same map");
    }

    @Test
    void shouldNameAMisspeltKeyInsteadOfTheRequiredOneItHides() {
        assertThatThrownBy(() -> ScenarioFile.parse("s.yaml", MINIMAL + "network:\n  partitions:\n    - at: 30s\n      fro: 5s\n"))
                .isInstanceOf(ScenarioFile.Invalid.class)
                .hasMessage("s.yaml:12: network.partitions[0]: unknown key 'fro' (did you mean 'for'?)");
        assertThatThrownBy(() -> ScenarioFile.parse("s.yaml", MINIMAL + "network:\n  partitions: [{at: 30s}]\n"))
                .isInstanceOf(ScenarioFile.Invalid.class).hasMessage("s.yaml:10: network.partitions[0]: missing key 'for'");
        assertThatThrownBy(() -> ScenarioFile.parse("s.yaml", MINIMAL + "devices:\n  cuont: 2\n"))
                .isInstanceOf(ScenarioFile.Invalid.class).hasMessage("s.yaml:10: devices.cuont: unknown key 'cuont' (did you mean 'count'?)");
    }

    @Test
    void shouldMergeAVariantOverEverySectionMapsKeyByKeyListsReplaced() throws Exception {
        Scenario s = ScenarioFile.parse("s.yaml", MINIMAL + """
                devices:
                  count: 3
                  firmware: {period: 10ms, capacity: 16}
                network:
                  latency: 5ms
                  partitions: [{at: 1s, for: 1s}, {at: 5s, for: 1s}]
                gateway:
                  cost-per-frame: 1ms
                  commands: {every: 1s, command: blink}
                variants:
                  - name: base
                  - name: changed
                    devices: {count: 5}
                    firmware: {policy: drop-newest}
                    network: {partitions: [{at: 2s, for: 3s}]}
                    broker: {max-queued: 0}
                    gateway: {flow-control: false}
                    commands-every: 95ms
                    load: [{at: 3s, period: 5ms}]
                """);
        Scenario base = s.world(s.variants().get(0));
        Scenario changed = s.world(s.variants().get(1));
        assertThat(base.devices().count()).isEqualTo(3);
        assertThat(base.network().partitions()).hasSize(2);
        assertThat(changed.devices().count()).isEqualTo(5);
        assertThat(changed.devices().id()).isEqualTo("pi-{n}");
        assertThat(changed.devices().firmware().capacity()).isEqualTo(16);
        assertThat(changed.devices().firmware().policy()).isEqualTo("drop-newest");
        assertThat(changed.network().latency().nanos()).isEqualTo(5_000_000L);
        assertThat(changed.network().partitions()).containsExactly(new Scenario.Partition(Scenario.Duration.parse("2s"), Scenario.Duration.parse("3s")));
        assertThat(changed.broker().maxQueued()).isZero();
        assertThat(changed.gateway().flowControl()).isFalse();
        assertThat(changed.gateway().costPerFrame().nanos()).isEqualTo(1_000_000L);
        assertThat(changed.gateway().commands().every().nanos()).isEqualTo(95_000_000L);
        assertThat(changed.gateway().commands().command()).isEqualTo("blink");
        assertThat(changed.load()).hasSize(1);
        assertThat(s.variants().get(1).overrides()).containsExactly("firmware", "commands-every", "devices", "network", "broker", "gateway", "load");
    }

    @Test
    void shouldNameTheVariantWhoseSectionIsWrong() {
        assertThatThrownBy(() -> ScenarioFile.parse("s.yaml", MINIMAL + "variants:\n  - name: a\n  - name: b\n    network: {loss: 0.9}\n"))
                .isInstanceOf(ScenarioFile.Invalid.class).hasMessage("s.yaml:11: variant 'b': network: network.loss must be 0..0.5");
        assertThatThrownBy(() -> ScenarioFile.parse("s.yaml", MINIMAL + "variants:\n  - name: a\n    netwrok: {}\n"))
                .isInstanceOf(ScenarioFile.Invalid.class).hasMessage("s.yaml:11: variants[0].netwrok: unknown key 'netwrok' (did you mean 'network'?)");
    }

    @Test
    void shouldSayWhichTypeAKeyWantsInTheWritersWords() {
        assertThatThrownBy(() -> ScenarioFile.parse("s.yaml", MINIMAL + "devices:\n  count: many\n"))
                .isInstanceOf(ScenarioFile.Invalid.class).hasMessage("s.yaml:10: devices.count: expected a whole number, found the text 'many'");
        assertThatThrownBy(() -> ScenarioFile.parse("s.yaml", MINIMAL + "gateway:\n  flow-control: maybe\n"))
                .isInstanceOf(ScenarioFile.Invalid.class).hasMessage("s.yaml:10: gateway.flow-control: expected true or false, found the text 'maybe'");
        assertThatThrownBy(() -> ScenarioFile.parse("s.yaml", MINIMAL + "network:\n  partitions: {at: 1s}\n"))
                .isInstanceOf(ScenarioFile.Invalid.class).hasMessage("s.yaml:10: network.partitions: expected a list, found a map of keys");
        assertThatThrownBy(() -> ScenarioFile.parse("s.yaml", MINIMAL + "devices:\n  count 3\n"))
                .isInstanceOf(ScenarioFile.Invalid.class)
                .hasMessage("s.yaml:10: devices: expected keys (key: value) here, found the text 'count 3'; is a ':' missing?");
        assertThatThrownBy(() -> ScenarioFile.parse("s.yaml", MINIMAL.replace("duration: 10s", "duration: 40")))
                .isInstanceOf(ScenarioFile.Invalid.class).hasMessage("s.yaml:2: duration: '40' has no unit: write a duration like 250ms, 1s, 2m or 1h");
        // YAML reads a bare > as the start of a folded block, so the op arrives empty.
        assertThatThrownBy(() -> ScenarioFile.parse("s.yaml", MINIMAL.replace("op: \"==\"", "op: >")))
                .isInstanceOf(ScenarioFile.Invalid.class).hasMessageContaining("op is empty: an unquoted > or | starts a YAML block; quote it");
        assertThatThrownBy(() -> ScenarioFile.parse("s.yaml", MINIMAL + "variants:\n  - name: short-stop\n    gateway: {stops: [{at: 10s, fro: 5s}]}\n"))
                .isInstanceOf(ScenarioFile.Invalid.class)
                .hasMessage("s.yaml:11: variant 'short-stop': gateway.stops[0]: unknown key 'fro' (did you mean 'for'?)");
        assertThatThrownBy(() -> ScenarioFile.parse("s.yaml", MINIMAL + "variants:\n  - name: twice\n  - name: twice\n"))
                .isInstanceOf(ScenarioFile.Invalid.class).hasMessageContaining("variant name 'twice' is used twice");
    }
}
