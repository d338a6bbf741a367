package dev.storyloop.testsupport;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A cheap look for any sign of a Docker engine before asking Testcontainers.
 *
 * <p>Testcontainers' own check tries every strategy it knows and can take ten seconds to say
 * "no" on a machine with none (measured on the CI machine), in every test JVM. It finds an engine
 * only through {@code DOCKER_HOST}, its {@code ~/.testcontainers.properties}, or a socket in one
 * of the places below; when none of them exists, it would say no too.
 */
final class DockerProbe {
    private DockerProbe() {}

    static boolean mightBeAvailable() {
        if (System.getenv("DOCKER_HOST") != null || System.getenv("TESTCONTAINERS_HOST_OVERRIDE") != null) return true;
        String home = System.getProperty("user.home");
        String runtimeDir = System.getenv("XDG_RUNTIME_DIR");
        return exists("/var/run/docker.sock")
                || exists("/run/docker.sock")
                || (home != null && (exists(home + "/.testcontainers.properties")
                        || exists(home + "/.docker/run/docker.sock")
                        || exists(home + "/.docker/desktop/docker.sock")
                        || exists(home + "/.colima/default/docker.sock")
                        || exists(home + "/.rd/docker.sock")))
                || (runtimeDir != null && exists(runtimeDir + "/docker.sock"));
    }

    private static boolean exists(String path) {
        return Files.exists(Path.of(path));
    }
}
