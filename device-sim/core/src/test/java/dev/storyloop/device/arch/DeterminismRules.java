package dev.storyloop.device.arch;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.lang.ArchRule;

/**
 * The rules that keep the deterministic half of the device (core and world) free of clocks and unseeded randomness.
 *
 * <p>Maven Enforcer bans the I/O libraries by dependency; a clock is a method call, which only bytecode can show. Time
 * reaches core and world as a {@code Clock} argument, randomness as a seed: a call below would make two runs of the same
 * seed differ, or make a simulated run depend on the machine it runs on.
 */
public final class DeterminismRules {

    private DeterminismRules() {}

    /** No class reads the wall clock or the JVM's monotonic clock. */
    public static final ArchRule NO_CLOCK = noClasses()
            .should().callMethod(System.class, "nanoTime")
            .orShould().callMethod(System.class, "currentTimeMillis")
            .orShould().callMethod(java.time.Instant.class, "now")
            .orShould().callMethod(java.time.LocalDateTime.class, "now")
            .orShould().callMethod(java.time.ZonedDateTime.class, "now")
            .orShould().callMethod(java.time.Clock.class, "systemUTC")
            .orShould().callMethod(java.time.Clock.class, "systemDefaultZone")
            .because("time reaches the device's core and the simulated world as a Clock argument, never from the machine");

    /** No class draws from an unseeded source of randomness. */
    public static final ArchRule NO_UNSEEDED_RANDOM = noClasses()
            .should().callConstructor(java.util.Random.class)
            .orShould().callMethod(Math.class, "random")
            .orShould().callMethod(java.util.concurrent.ThreadLocalRandom.class, "current")
            .orShould().callConstructor(java.security.SecureRandom.class)
            .orShould().callMethod(java.util.UUID.class, "randomUUID")
            .because("every random draw in a simulated run comes from the scenario's seed");

    /** Checks both rules against {@code classes}. */
    public static void check(JavaClasses classes) {
        NO_CLOCK.check(classes);
        NO_UNSEEDED_RANDOM.check(classes);
    }
}
