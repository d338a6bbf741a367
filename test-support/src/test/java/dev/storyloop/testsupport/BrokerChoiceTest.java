package dev.storyloop.testsupport;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

class BrokerChoiceTest {
    private static final Optional<Path> NO_BINARY = Optional.empty();
    private static final Optional<Path> BINARY = Optional.of(Path.of("/usr/sbin/mosquitto"));

    @Test
    void shouldPreferTheExternalBrokerOverEverythingElse() {
        BrokerChoice choice = BrokerChoice.decide(Map.of("STORYLOOP_BROKER_URL", "tcp://10.0.0.5:1883"), () -> true, () -> BINARY);
        assertThat(choice).isEqualTo(new BrokerChoice(BrokerChoice.Kind.EXTERNAL, "tcp://10.0.0.5:1883"));
    }

    @Test
    void shouldUseDockerBeforeALocalBinary() {
        assertThat(BrokerChoice.decide(Map.of(), () -> true, () -> BINARY).kind()).isEqualTo(BrokerChoice.Kind.CONTAINER);
    }

    @Test
    void shouldFallBackToTheLocalBinaryWithoutDocker() {
        BrokerChoice choice = BrokerChoice.decide(Map.of(), () -> false, () -> BINARY);
        assertThat(choice).isEqualTo(new BrokerChoice(BrokerChoice.Kind.LOCAL, "/usr/sbin/mosquitto"));
    }

    @Test
    void shouldSkipWithOneLineNamingBothWaysWhenNothingIsThere() {
        BrokerChoice choice = BrokerChoice.decide(Map.of(), () -> false, () -> NO_BINARY);
        assertThat(choice.kind()).isEqualTo(BrokerChoice.Kind.SKIP);
        assertThat(choice.detail()).doesNotContain("\n").contains("install mosquitto").contains("Docker");
    }

    @Test
    void shouldFailInsteadOfSkippingOnCi() {
        assertThat(BrokerChoice.decide(Map.of("CI", "true"), () -> false, () -> NO_BINARY).kind())
                .isEqualTo(BrokerChoice.Kind.FAIL);
        assertThat(BrokerChoice.decide(Map.of("STORYLOOP_REQUIRE_BROKER", "1"), () -> false, () -> NO_BINARY).kind())
                .isEqualTo(BrokerChoice.Kind.FAIL);
        assertThat(BrokerChoice.decide(Map.of("CI", "false"), () -> false, () -> NO_BINARY).kind())
                .isEqualTo(BrokerChoice.Kind.SKIP);
    }

    @Test
    void shouldIgnoreABlankBrokerUrl() {
        assertThat(BrokerChoice.decide(Map.of("STORYLOOP_BROKER_URL", " "), () -> false, () -> BINARY).kind())
                .isEqualTo(BrokerChoice.Kind.LOCAL);
    }

    @Test
    void shouldRenderTheLimitsTheTestAskedFor() {
        BrokerConfig config = BrokerConfig.defaults().withMaxInflightMessages(1).withMaxQueuedMessages(5)
                .withAcl(java.util.List.of("user dev-a", "topic write storyloop/v1/dev-a/#"))
                .withUser("dev-a", "secret");
        String conf = config.render("1883", "/cfg");
        assertThat(conf).contains("listener 1883\n", "allow_anonymous false\n", "max_inflight_messages 1\n",
                "max_queued_messages 5\n", "acl_file /cfg/acl\n", "password_file /cfg/passwd\n", "persistence false\n");
        assertThat(config.plainPasswordFile()).isEqualTo("dev-a:secret\n");
        assertThat(config.needsOwnBroker()).isTrue();
        assertThat(BrokerConfig.defaults().needsOwnBroker()).isFalse();
    }
}
