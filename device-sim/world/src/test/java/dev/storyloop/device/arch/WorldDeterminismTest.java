package dev.storyloop.device.arch;

import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class WorldDeterminismTest {

    @Test
    void shouldReadNoClockAndDrawNoUnseededRandomnessInTheDeviceWorld() {
        // This module's own classes only: the classes directory Maven compiled, not the jars on the class path.
        JavaClasses classes = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPath(Path.of("target/classes"));
        assertThat(classes.contain("dev.storyloop.device.sim.SimBroker")).as("the import found this module's classes").isTrue();
        DeterminismRules.check(classes);
    }
}
