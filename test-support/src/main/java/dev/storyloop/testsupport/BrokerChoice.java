package dev.storyloop.testsupport;

import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Which broker a test gets, decided from the environment alone so the rule itself is testable.
 *
 * <p>In order: an external broker named by {@code STORYLOOP_BROKER_URL}; a Testcontainers
 * container when Docker answers; a local {@code mosquitto} binary; otherwise the test is skipped
 * with one line naming both ways to get a broker, except under {@code CI=true} or
 * {@code STORYLOOP_REQUIRE_BROKER=1}, where a missing broker is a failure.
 */
public record BrokerChoice(Kind kind, String detail) {

    public enum Kind { EXTERNAL, CONTAINER, LOCAL, SKIP, FAIL }

    public static final String NO_BROKER =
            "no MQTT broker: install mosquitto (apt-get install mosquitto / brew install mosquitto) or start Docker"
                    + " (Testcontainers runs " + ContainerMosquitto.IMAGE + "), or set STORYLOOP_BROKER_URL";

    public static BrokerChoice decide(Map<String, String> env, BooleanSupplier dockerAvailable,
                                      Supplier<Optional<Path>> mosquittoBinary) {
        String url = env.get("STORYLOOP_BROKER_URL");
        if (url != null && !url.isBlank()) return new BrokerChoice(Kind.EXTERNAL, url.trim());
        if (dockerAvailable.getAsBoolean()) return new BrokerChoice(Kind.CONTAINER, ContainerMosquitto.IMAGE);
        Optional<Path> binary = mosquittoBinary.get();
        if (binary.isPresent()) return new BrokerChoice(Kind.LOCAL, binary.get().toString());
        boolean required = "true".equalsIgnoreCase(env.get("CI")) || "1".equals(env.get("STORYLOOP_REQUIRE_BROKER"));
        if (required) {
            return new BrokerChoice(Kind.FAIL, NO_BROKER + " (required because CI=true or STORYLOOP_REQUIRE_BROKER=1)");
        }
        return new BrokerChoice(Kind.SKIP, NO_BROKER);
    }
}
