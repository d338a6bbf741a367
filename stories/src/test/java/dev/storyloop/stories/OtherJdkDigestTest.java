package dev.storyloop.stories;

import dev.storyloop.stories.run.StoryRunner;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A story's digest does not depend on the JDK: the shortest story runs here and, as a child process,
 * under another installed JDK (Temurin 25 beside the default 17, or the other way round; or the one
 * {@code -Dstoryloop.otherJdk=PATH} names), and both print the same digest. Skipped, in one line,
 * when no other JDK is installed.
 */
class OtherJdkDigestTest {
    static final Path STORY = Path.of("the-timeout-that-dropped-a-reading");
    /** Where Debian and Ubuntu install JDKs (Temurin's packages too). */
    static final Path JVMS = Path.of("/usr/lib/jvm");
    /** A generous bound for a 30-simulated-second story on a loaded machine; the child is ended when it passes. */
    static final long CHILD_TIMEOUT_SECONDS = 600;
    private static final Pattern DIGEST = Pattern.compile("trace digest ([0-9a-f]{64})");

    @Test
    void shouldGiveTheSameDigestOnAnotherJdk() throws Exception {
        Optional<Path> other = otherJdk();
        Assumptions.assumeTrue(other.isPresent(), "no JDK other than " + System.getProperty("java.home") + " under " + JVMS
                + " (or -Dstoryloop.otherJdk): the other-JDK digest test is skipped");
        Path javaBin = other.get().resolve("bin/java");
        String here = StoryRunner.run(STORY, null).digest();

        List<String> command = List.of(javaBin.toString(), "-cp", System.getProperty("java.class.path"), "dev.storyloop.cli.StoryloopCli", "run",
                STORY.toString(), "--no-write");
        Process child = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output;
        try {
            child.getOutputStream().close();
            // Read on another thread, so a child that hangs without closing its output still meets the timeout below.
            CompletableFuture<String> reader = CompletableFuture.supplyAsync(() -> {
                try {
                    return new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                } catch (IOException e) {
                    return "could not read the child's output: " + e;
                }
            });
            assertThat(child.waitFor(CHILD_TIMEOUT_SECONDS, TimeUnit.SECONDS)).as("the run under " + javaBin + " ends").isTrue();
            output = reader.get(CHILD_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } finally {
            child.destroyForcibly();
            child.waitFor(30, TimeUnit.SECONDS);
        }
        System.out.println("digest under " + System.getProperty("java.version") + ": " + here + "; under " + other.get() + ": "
                + (output.contains("trace digest") ? "see below" : "none") + "\n" + output);
        Matcher m = DIGEST.matcher(output);
        assertThat(m.find()).as("the child printed a digest:\n" + output).isTrue();
        assertThat(m.group(1)).as("the digest under " + other.get() + " against " + System.getProperty("java.home")).isEqualTo(here);
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
