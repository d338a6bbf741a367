package dev.storyloop.bench;

import dev.storyloop.console.ConsoleServer;
import dev.storyloop.console.TraceIndex;
import dev.storyloop.stories.run.SimRunner;
import dev.storyloop.stories.scenario.Scenario;
import dev.storyloop.stories.scenario.ScenarioFile;
import org.HdrHistogram.Histogram;

import java.io.BufferedWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;

/**
 * How fast {@code storyloop replay} opens a large trace and answers a scrub: a main, not a test
 * (timings on a shared machine are figures, not assertions).
 *
 * <ul>
 *   <li>{@code record FILE SECONDS}: story 1's at-210 variant run for SECONDS of simulated time, its
 *       trace written to FILE (260 s gives about a million events);</li>
 *   <li>{@code open FILE [SCRUBS]}: in a fresh JVM, as the CLI would: the time to load the trace,
 *       then SCRUBS (default 500) requests for the tasks at seeded random instants, through the
 *       console's HTTP server, timed end to end by a client.</li>
 * </ul>
 */
public final class ReplayBench {
    private ReplayBench() {}

    public static void main(String[] args) throws Exception {
        if (args.length >= 3 && args[0].equals("record")) {
            record(Path.of(args[1]), Integer.parseInt(args[2]));
        } else if (args.length >= 2 && args[0].equals("open")) {
            open(Path.of(args[1]), args.length > 2 ? Integer.parseInt(args[2]) : 500);
        } else {
            System.err.println("usage: ReplayBench record FILE SECONDS | open FILE [SCRUBS]");
            System.exit(2);
        }
    }

    private static void record(Path file, int seconds) throws Exception {
        String yaml = Files.readString(Path.of("stories", "the-waker-that-never-came", "scenario.yaml"));
        Scenario scenario = ScenarioFile.parse("story 1, " + seconds + " s", yaml.replaceFirst("(?m)^duration: .*$", "duration: " + seconds + "s"));
        Scenario.Variant at210 = scenario.variants().stream().filter(v -> v.name().equals("at-210")).findFirst().orElseThrow();
        long started = System.nanoTime();
        try (BufferedWriter out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            SimRunner.run(scenario, at210, scenario.seed(), SimRunner.Progress.NONE, out);
        }
        long lines;
        try (var stream = Files.lines(file)) {
            lines = stream.count();
        }
        System.out.printf(Locale.ROOT, "recorded story 1 at-210, %d s simulated: %,d events, %,d MB, in %.1f s%n",
                seconds, lines, Files.size(file) >> 20, (System.nanoTime() - started) / 1e9);
    }

    private static void open(Path file, int scrubs) throws Exception {
        // As `storyloop replay` does: the console starts while the trace loads; the page is ready when /api/meta answers.
        long started = System.nanoTime();
        long[] loadedAt = new long[1];
        CompletableFuture<TraceIndex> load = CompletableFuture.supplyAsync(() -> {
            try {
                TraceIndex loaded = TraceIndex.load(file);
                loadedAt[0] = System.nanoTime();
                return loaded;
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        ConsoleServer server = ConsoleServer.replay("127.0.0.1", 0, null, "bench", load);
        double listeningSeconds = (System.nanoTime() - started) / 1e9;
        HttpClient client = HttpClient.newHttpClient();
        URI meta = URI.create("http://127.0.0.1:" + server.port() + "/api/meta");
        while (client.send(HttpRequest.newBuilder(meta).build(), HttpResponse.BodyHandlers.discarding()).statusCode() == 503) Thread.sleep(20);
        client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/tasks")).build(), HttpResponse.BodyHandlers.ofString());
        double pageSeconds = (System.nanoTime() - started) / 1e9;
        TraceIndex index = load.join();
        Runtime rt = Runtime.getRuntime();
        System.gc();
        long heapMb = (rt.totalMemory() - rt.freeMemory()) >> 20;
        System.out.printf(Locale.ROOT, "loaded %,d events (%,d tasks, %,d warnings) in %.2f s; the console listened after %.2f s; "
                        + "the page's opening state (metadata and the tasks at the first warning) answered after %.2f s; heap after load %d MB%n",
                index.events(), index.taskCount(), index.warningCount(), (loadedAt[0] - started) / 1e9, listeningSeconds, pageSeconds, heapMb);
        Histogram latency = new Histogram(3_600_000_000_000L, 3);
        Histogram inProcess = new Histogram(3_600_000_000_000L, 3);
        long firstNanos = 0;
        try (server) {
            SplittableRandom random = new SplittableRandom(1);
            long span = index.endNanos() - index.startNanos();
            for (int i = 0; i < scrubs; i++) {
                long at = index.startNanos() + (long) (random.nextDouble() * span);
                HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/tasks?t=" + at)).build();
                long t0 = System.nanoTime();
                HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
                long took = System.nanoTime() - t0;
                if (response.statusCode() != 200) throw new IllegalStateException("scrub answered " + response.statusCode());
                if (i == 0) firstNanos = took; else latency.recordValue(took);
                long t1 = System.nanoTime();
                index.tasksAt(at);
                inProcess.recordValue(System.nanoTime() - t1);
            }
        }
        System.out.printf(Locale.ROOT, "first scrub after the page opened: %.1f ms%n", firstNanos / 1e6);
        System.out.printf(Locale.ROOT, "next %d scrubs over HTTP: p50 %.1f ms, p99 %.1f ms, max %.1f ms%n",
                scrubs - 1, latency.getValueAtPercentile(50) / 1e6, latency.getValueAtPercentile(99) / 1e6, latency.getMaxValue() / 1e6);
        System.out.printf(Locale.ROOT, "the index alone (tasksAt, same instants): p50 %.2f ms, p99 %.2f ms, max %.2f ms%n",
                inProcess.getValueAtPercentile(50) / 1e6, inProcess.getValueAtPercentile(99) / 1e6, inProcess.getMaxValue() / 1e6);
    }
}
