package dev.storyloop.testsupport;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Finds programs on PATH and in the sbin folders that package managers put Mosquitto in. */
public final class Executables {
    // Debian installs mosquitto in /usr/sbin, which a non-root PATH often lacks; Homebrew uses its own sbin.
    private static final List<String> EXTRA_DIRS = List.of("/usr/sbin", "/usr/local/sbin", "/opt/homebrew/sbin");

    private Executables() {}

    public static Optional<Path> find(String name) {
        return find(name, System.getenv("PATH"));
    }

    static Optional<Path> find(String name, String pathVariable) {
        List<String> dirs = new ArrayList<>();
        if (pathVariable != null && !pathVariable.isEmpty()) dirs.addAll(List.of(pathVariable.split(File.pathSeparator)));
        dirs.addAll(EXTRA_DIRS);
        for (String dir : dirs) {
            if (dir.isEmpty()) continue;
            Path candidate = Path.of(dir, name);
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) return Optional.of(candidate);
        }
        return Optional.empty();
    }
}
