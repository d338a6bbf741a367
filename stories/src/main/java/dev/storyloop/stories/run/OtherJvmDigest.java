package dev.storyloop.stories.run;

import dev.storyloop.stories.scenario.ScenarioFile;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A story's digest in this JVM and in another one: the story runs here ({@link StoryRunner#run}) and,
 * as a child process, under a given {@code java} command ({@code storyloop run STORY --no-write} on
 * this JVM's class path), whose printed trace digest is read back. One piece of code for
 * {@code OtherJdkDigestTest} (another installed JDK) and {@code bench/pi-check} (the arm64 JVM under
 * qemu-user): its {@link #main} prints both digests and exits 1 when they differ.
 */
public final class OtherJvmDigest {
    /** The shortest story (about 1 s of runs natively, 2 s with the JVM's start), the one both checks run. */
    public static final String SHORTEST_STORY = "the-timeout-that-dropped-a-reading";
    /** The line {@code storyloop run} prints for a story's digest. */
    private static final Pattern DIGEST = Pattern.compile("trace digest ([0-9a-f]{64})");

    /**
     * Both runs: the digest here, the child's (empty when it printed none), the child's whole output,
     * whether it ended within the time limit, its exit code (-1 when it did not end) and wall time.
     */
    public record Outcome(String here, double hereSeconds, Optional<String> there, String childOutput, boolean childEnded, int childExit,
                          double childSeconds) {
        public boolean same() {
            return there.isPresent() && there.get().equals(here);
        }
    }

    private OtherJvmDigest() {
    }

    /**
     * Runs {@code storyDir} here, then as a child: {@code javaCommand} (the {@code java} binary and any
     * options before the class path, e.g. {@code qemu-aarch64-static -L SYSROOT SYSROOT/.../java}) with
     * {@code -cp classPath dev.storyloop.cli.StoryloopCli run STORY --no-write}. The child is ended
     * when it passes {@code timeoutSeconds}.
     */
    public static Outcome compare(Path storyDir, List<String> javaCommand, String classPath, long timeoutSeconds)
            throws ScenarioFile.Invalid, IOException, InterruptedException, ExecutionException, TimeoutException {
        long started = System.nanoTime();
        String here = StoryRunner.run(storyDir, null).digest();
        double hereSeconds = (System.nanoTime() - started) / 1e9;

        List<String> command = new ArrayList<>(javaCommand);
        command.addAll(List.of("-cp", classPath, "dev.storyloop.cli.StoryloopCli", "run", storyDir.toString(), "--no-write"));
        started = System.nanoTime();
        Process child = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output;
        boolean ended;
        int exit = -1;
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
            ended = child.waitFor(timeoutSeconds, TimeUnit.SECONDS);
            if (ended) exit = child.exitValue();
            else child.destroyForcibly();
            output = reader.get(ended ? timeoutSeconds : 30, TimeUnit.SECONDS);
        } finally {
            child.destroyForcibly();
            child.waitFor(30, TimeUnit.SECONDS);
        }
        double childSeconds = (System.nanoTime() - started) / 1e9;
        Matcher m = DIGEST.matcher(output);
        return new Outcome(here, hereSeconds, m.find() ? Optional.of(m.group(1)) : Optional.empty(), output, ended, exit, childSeconds);
    }

    /**
     * {@code OtherJvmDigest STORY_DIR TIMEOUT_SECONDS JAVA [OPTION...]}: runs the story here and under
     * {@code JAVA [OPTION...]} (on this JVM's class path), prints both digests; exit 0 when they are the
     * same, 1 when they differ or the child printed none, 2 on wrong arguments.
     */
    public static void main(String[] args) throws Exception {
        if (args.length < 3) {
            System.err.println("usage: OtherJvmDigest STORY_DIR TIMEOUT_SECONDS JAVA [OPTION...]");
            System.exit(2);
        }
        Path story = Path.of(args[0]);
        List<String> java = Arrays.asList(args).subList(2, args.length);
        Outcome o = compare(story, java, System.getProperty("java.class.path"), Long.parseLong(args[1]));
        String hereName = System.getProperty("java.vm.name") + " " + System.getProperty("java.version") + ", " + System.getProperty("os.arch");
        System.out.printf("digest here (%s): %s (%.1f s)%n", hereName, o.here(), o.hereSeconds());
        System.out.printf("digest under %s: %s (%.1f s wall, the JVM's start included%s)%n", String.join(" ", java), o.there().orElse("none printed"),
                o.childSeconds(), o.childEnded() ? ", exit " + o.childExit() : ", ended after the " + args[1] + " s limit");
        if (!o.same()) {
            System.out.println("the child's output:\n" + o.childOutput().stripTrailing());
            System.out.println(o.there().isPresent() ? "DIGESTS DIFFER: " + story + " under " + java.get(0) + " is not the run made here"
                    : "NO DIGEST from the run under " + java.get(0));
            System.exit(1);
        }
        // The child's summary line (title, seed, variants, the runs' own time).
        o.childOutput().lines().filter(l -> l.contains("(seed ")).findFirst().ifPresent(l -> System.out.println("  child: " + l.strip()));
        System.out.println("digests match");
    }
}
