package dev.storyloop.stories;

import dev.storyloop.stories.run.OtherJvmDigest;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A story's digest does not depend on the JDK: the shortest story runs here and, as a child process,
 * under another installed JDK (Temurin 25 beside the default 17, or the other way round; or the one
 * {@code -Dstoryloop.otherJdk=PATH} names), and both print the same digest. Skipped, in one line,
 * when no other JDK is installed. The two runs and the digest's reading are {@link OtherJvmDigest}'s, which
 * {@code bench/pi-check} also uses for the arm64 JVM under emulation.
 */
class OtherJdkDigestTest {
    static final Path STORY = Path.of(OtherJvmDigest.SHORTEST_STORY);
    /** Where Debian and Ubuntu install JDKs (Temurin's packages too). */
    static final Path JVMS = Path.of("/usr/lib/jvm");
    /** A generous bound for a 30-simulated-second story on a loaded machine; the child is ended when it passes. */
    static final long CHILD_TIMEOUT_SECONDS = 600;

    @Test
    void shouldGiveTheSameDigestOnAnotherJdk() throws Exception {
        Optional<Path> other = otherJdk();
        Assumptions.assumeTrue(other.isPresent(), "no JDK other than " + System.getProperty("java.home") + " under " + JVMS
                + " (or -Dstoryloop.otherJdk): the other-JDK digest test is skipped");
        Path javaBin = other.get().resolve("bin/java");
        OtherJvmDigest.Outcome o = OtherJvmDigest.compare(STORY, List.of(javaBin.toString()), System.getProperty("java.class.path"),
                CHILD_TIMEOUT_SECONDS);
        System.out.println("digest under " + System.getProperty("java.version") + ": " + o.here() + "; under " + other.get() + ": "
                + o.there().orElse("none") + "\n" + o.childOutput());
        assertThat(o.childEnded()).as("the run under " + javaBin + " ends").isTrue();
        assertThat(o.there()).as("the child printed a digest:\n" + o.childOutput()).isPresent();
        assertThat(o.there().get()).as("the digest under " + other.get() + " against " + System.getProperty("java.home")).isEqualTo(o.here());
    }

    /** The property's JDK, or an installed JDK of another major version than this one (none: empty). */
    static Optional<Path> otherJdk() throws IOException {
        String named = System.getProperty("storyloop.otherJdk");
        if (named != null && !named.isBlank()) return Optional.of(Path.of(named));
        if (!Files.isDirectory(JVMS)) return Optional.empty();
        Path home = Path.of(System.getProperty("java.home")).toRealPath();
        String major = Integer.toString(Runtime.version().feature());
        List<Path> found = new ArrayList<>();
        try (Stream<Path> dirs = Files.list(JVMS)) {
            for (Path dir : dirs.sorted().toList()) { // sorted: the same JDK is chosen every time
                if (!Files.isExecutable(dir.resolve("bin/java")) || dir.toRealPath().equals(home)) continue;
                String version = releaseVersion(dir);
                if (version != null && !version.equals(major) && !version.startsWith(major + ".")) found.add(dir);
            }
        }
        return found.stream().findFirst();
    }

    /** JAVA_VERSION from the JDK's {@code release} file, or null when it has none. */
    private static String releaseVersion(Path jdk) throws IOException {
        Path release = jdk.resolve("release");
        if (!Files.isRegularFile(release)) return null;
        Properties p = new Properties();
        try (var in = Files.newBufferedReader(release)) {
            p.load(in);
        }
        String version = p.getProperty("JAVA_VERSION");
        return version == null ? null : version.replace("\"", "");
    }
}
