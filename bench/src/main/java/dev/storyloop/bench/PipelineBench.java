package dev.storyloop.bench;

import dev.storyloop.device.chan.OverflowPolicy;
import dev.storyloop.device.firmware.FirmwareConfig;
import dev.storyloop.device.hal.LiveBoard;
import dev.storyloop.device.live.LiveDevice;
import dev.storyloop.gateway.GatewayApp;
import dev.storyloop.gateway.GatewayOptions;
import dev.storyloop.gateway.core.GatewayConfig;
import dev.storyloop.protocol.Topics;
import dev.storyloop.testsupport.BrokerConfig;
import dev.storyloop.testsupport.Executables;
import dev.storyloop.testsupport.LocalMosquitto;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * The live pipeline against the physical limit, in one run on one broker
 * ({@code max_queued_messages 0}, {@code max_inflight_messages 0}), for QoS 0 and QoS 1:
 * <ol type="a">
 *   <li>raw: P {@code mosquitto_pub -l} processes (64-byte lines) to one {@code mosquitto_sub -C};</li>
 *   <li>storyloop: D firmware devices (executor, sampler, HMAC, uplink, Paho) sampling at the
 *       firmware's fastest period under {@code block}, so backpressure sets their pace, to the
 *       storyloop gateway;</li>
 *   <li>gateway ingest alone: P {@code mosquitto_pub -f FRAME --repeat N} processes, each repeating
 *       one signed frame of its own device, to the storyloop gateway. {@code mosquitto_pub -l}
 *       cannot carry frames (a line ends at the first NUL byte, and every frame holds one in its
 *       u16 payload length), so each publisher repeats one frame: the gateway decodes and verifies
 *       every copy and refuses all but the first as a replay. The rate counts every frame it
 *       processed.</li>
 * </ol>
 * Prints each rate, what was lost, (b)/(a) and (c)/(a).
 * Usage: {@code PipelineBench [frames] [publishers] [devices] [seconds]}.
 */
public final class PipelineBench {
    static final int SETTLE_SECONDS_MAX = 60;

    public static void main(String[] args) throws Exception {
        int frames = args.length > 0 ? Integer.parseInt(args[0]) : 200_000;
        int publishers = args.length > 1 ? Integer.parseInt(args[1]) : 4;
        int devices = args.length > 2 ? Integer.parseInt(args[2]) : 8;
        int seconds = args.length > 3 ? Integer.parseInt(args[3]) : 10;
        Path mosquitto = Executables.find("mosquitto").orElseThrow(() -> new IllegalStateException("mosquitto is not installed"));
        Path pub = Executables.find("mosquitto_pub").orElseThrow(() -> new IllegalStateException("mosquitto_pub is not installed"));
        Path sub = Executables.find("mosquitto_sub").orElseThrow(() -> new IllegalStateException("mosquitto_sub is not installed"));
        Path dir = Files.createTempDirectory("storyloop-pipeline-");
        List<Path> raw = new ArrayList<>();
        for (int p = 0; p < publishers; p++) raw.add(Files.write(dir.resolve("raw-" + p), rawLines(frames / publishers)));
        int sent = frames / publishers * publishers;
        System.out.printf(Locale.ROOT, "pipeline: (a) %d x mosquitto_pub -l -> mosquitto_sub, %d messages of 64 B; "
                + "(b) %d storyloop devices (period %d us, block) -> gateway for %d s; (c) %d x mosquitto_pub --repeat -> gateway, %d frames%n",
                publishers, sent, devices, FirmwareConfig.SAMPLE_PERIOD_MIN_NANOS / 1_000, seconds, publishers, sent);
        try (LocalMosquitto broker = LocalMosquitto.start(mosquitto, BrokerConfig.defaults().withMaxQueuedMessages(0).withMaxInflightMessages(0))) {
            for (int qos : new int[] {0, 1}) {
                double[] a = raw(broker, pub, sub, qos, raw, sent);
                double[] b = devices(broker, qos, devices, seconds);
                // At QoS 1, mosquitto_pub --repeat waits for each PUBACK, and here more processes only slow it down
                // (about 16k msg/s with 1, 12k with 4, 3k with 16): one process
                int repeaters = qos == 0 ? publishers : 1;
                double[] c0 = repeatRaw(broker, pub, sub, qos, dir, repeaters, sent / repeaters);
                double[] c = ingest(broker, pub, qos, dir, repeaters, sent / repeaters);
                System.out.printf(Locale.ROOT, "QoS %d: (a) raw %.0f msg/s (lost %d); (b) devices -> gateway %.0f msg/s (missing %d, dropped %d, "
                                + "held at stop %d); (c) %d x mosquitto_pub -> gateway %.0f msg/s (lost %d)%n", qos, a[0], (long) a[1], b[0], (long) b[1],
                        (long) b[2], (long) b[3], repeaters, c[0], (long) c[1]);
                System.out.printf(Locale.ROOT, "QoS %d: the same %d x mosquitto_pub --repeat -> mosquitto_sub %.0f msg/s (lost %d): (c) against it %.2f%n",
                        qos, repeaters, c0[0], (long) c0[1], c[0] / c0[0]);
                System.out.printf(Locale.ROOT, "QoS %d: (b)/(a) %.2f (goal >= 0.8), (c)/(a) %.2f (goal >= 0.9)%n", qos, b[0] / a[0], c[0] / a[0]);
            }
        } finally {
            try (var files = Files.list(dir)) {
                for (Path f : files.toList()) Files.deleteIfExists(f);
            }
            Files.deleteIfExists(dir);
        }
        System.exit(0);
    }

    /** 64-byte printable lines. */
    static byte[] rawLines(int count) {
        byte[] out = new byte[count * 65];
        for (int i = 0; i < count; i++) {
            for (int b = 0; b < 64; b++) out[i * 65 + b] = (byte) ('a' + (i + b) % 26);
            out[i * 65 + 64] = '\n';
        }
        return out;
    }

    /**
     * Returns {rate, lost} for mosquitto_sub on {@code filter}: the messages it printed over the time
     * from the first publish ({@code publish} starts the publishers and waits for them) to its last arrival.
     */
    static double[] toMosquittoSub(LocalMosquitto broker, Path sub, int qos, String filter, long sent, PublisherRun publish) throws Exception {
        Path times = Files.createTempFile("storyloop-sub-", ".txt");
        Process subscriber = new ProcessBuilder(sub.toString(), "-h", broker.host(), "-p", Integer.toString(broker.port()), "-t", filter,
                "-q", Integer.toString(qos), "-C", Long.toString(sent), "-W", Integer.toString(SETTLE_SECONDS_MAX), "-F", "%U")
                .redirectOutput(times.toFile()).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        try {
            Thread.sleep(300);
            long startMicros = epochMicros();
            publish.run();
            subscriber.waitFor(SETTLE_SECONDS_MAX + 5, TimeUnit.SECONDS);
            List<String> lines = Files.readAllLines(times);
            if (lines.isEmpty()) throw new IllegalStateException("mosquitto_sub received nothing");
            String[] last = lines.get(lines.size() - 1).split("\\.");
            long lastMicros = Long.parseLong(last[0]) * 1_000_000L + Long.parseLong(last[1]) / 1_000L;
            return new double[] {lines.size() / ((lastMicros - startMicros) / 1e6), sent - lines.size()};
        } finally {
            subscriber.destroyForcibly();
            Files.deleteIfExists(times);
        }
    }

    /**
     * (b) Returns {rate, missing, dropped, held at stop}: the gateway's received count over {@code seconds}
     * of steady state; what the devices dropped while running (none under {@code block}) and what they
     * still held in RAM when they were stopped.
     */
    static double[] devices(LocalMosquitto broker, int qos, int count, int seconds) throws Exception {
        Vertx vertx = Vertx.vertx(GatewayApp.vertxOptions());
        List<LiveDevice> fleet = new ArrayList<>();
        try {
            GatewayOptions options = gatewayOptions(broker, count);
            GatewayApp gateway = startConnected(vertx, options);
            for (int n = 0; n < count; n++) {
                String id = "fast-" + qos + "-" + n;
                FirmwareConfig config = FirmwareConfig.builder(id).seed(n).samplePeriodNanos(FirmwareConfig.SAMPLE_PERIOD_MIN_NANOS).qos(qos)
                        .uplinkCapacity(256).uplinkWindow(FirmwareConfig.UPLINK_WINDOW_MAX).overflowPolicy(OverflowPolicy.BLOCK).ramBytes(256 * 1024)
                        .idleSpinNanos(0).build(); // busy every 100 us, a spinning loop would never park and starve Paho and the gateway
                fleet.add(LiveDevice.start(config, broker.url(), LiveBoard.withSimulatedGpio(id)));
            }
            Thread.sleep(2_000); // connected and JIT-compiled
            long r0 = GatewayIngestBench.stats(gateway).getLong("received");
            long t0 = System.nanoTime();
            Thread.sleep(seconds * 1_000L);
            long r1 = GatewayIngestBench.stats(gateway).getLong("received");
            long t1 = System.nanoTime();
            long dropped = 0, heldAtStop = 0;
            for (LiveDevice device : fleet) {
                device.close();
                long atStop = device.device().stats().droppedOnReset() + device.device().stats().unconfirmedAtReset();
                heldAtStop += atStop;
                dropped += device.device().dropped() - device.device().stats().droppedOnReset();
            }
            Thread.sleep(1_000);
            JsonObject stats = GatewayIngestBench.stats(gateway);
            gateway.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
            return new double[] {(r1 - r0) / ((t1 - t0) / 1e9), stats.getLong("missing"), dropped, heldAtStop};
        } finally {
            for (LiveDevice device : fleet) device.close();
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
    }

    interface PublisherRun {
        void run() throws Exception;
    }

    /** (a) Returns {rate, lost}: P {@code mosquitto_pub -l} processes to mosquitto_sub. */
    static double[] raw(LocalMosquitto broker, Path pub, Path sub, int qos, List<Path> files, int sent) throws Exception {
        return toMosquittoSub(broker, sub, qos, "bench/raw/#", sent, () -> publish(broker, pub, qos, files, p -> "bench/raw/" + p));
    }

    /** (c) baseline: the same repeating publishers as {@link #ingest}, to mosquitto_sub. Returns {rate, lost}. */
    static double[] repeatRaw(LocalMosquitto broker, Path pub, Path sub, int qos, Path dir, int publishers, int repeats) throws Exception {
        List<String> topics = new ArrayList<>();
        List<Path> frames = repeatedFrames(dir, "raw-" + qos + "-", publishers, topics);
        return toMosquittoSub(broker, sub, qos, Topics.Kind.TELEMETRY.allDevicesFilter(), (long) publishers * repeats,
                () -> awaitAll(repeat(broker, pub, qos, topics, frames, repeats)));
    }

    /** One signed frame per publisher (device PREFIX0..), written to a file; their topics into {@code topics}. */
    static List<Path> repeatedFrames(Path dir, String prefix, int publishers, List<String> topics) throws Exception {
        List<byte[]> payloads = new ArrayList<>();
        GatewayIngestBench.makeFrames(publishers, publishers, prefix, topics, payloads);
        List<Path> files = new ArrayList<>();
        for (int p = 0; p < publishers; p++) files.add(Files.write(dir.resolve("frame-" + prefix + p), payloads.get(p)));
        return files;
    }

    /** Starts one {@code mosquitto_pub -f FRAME --repeat N} per frame file, on its topic. */
    static List<Process> repeat(LocalMosquitto broker, Path pub, int qos, List<String> topics, List<Path> frames, int repeats) throws Exception {
        List<Process> started = new ArrayList<>();
        for (int p = 0; p < frames.size(); p++) {
            started.add(new ProcessBuilder(pub.toString(), "-h", broker.host(), "-p", Integer.toString(broker.port()), "-q", Integer.toString(qos),
                    "-t", topics.get(p), "-f", frames.get(p).toString(), "--repeat", Integer.toString(repeats), "--repeat-delay", "0")
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start());
        }
        return started;
    }

    static void awaitAll(List<Process> started) throws InterruptedException {
        for (Process p : started) {
            if (!p.waitFor(SETTLE_SECONDS_MAX, TimeUnit.SECONDS)) {
                for (Process q : started) q.destroyForcibly();
                throw new IllegalStateException("mosquitto_pub did not finish");
            }
        }
    }

    /**
     * (c) Returns {rate, lost}: every frame the gateway processed (accepted, or refused as a replay),
     * over the time from the first publish to the last one processed.
     */
    static double[] ingest(LocalMosquitto broker, Path pub, int qos, Path dir, int publishers, int repeats) throws Exception {
        Vertx vertx = Vertx.vertx(GatewayApp.vertxOptions());
        List<Process> started = new ArrayList<>();
        try {
            GatewayOptions options = gatewayOptions(broker, publishers);
            GatewayApp gateway = startConnected(vertx, options);
            List<String> topics = new ArrayList<>();
            List<Path> frames = repeatedFrames(dir, "ingest-" + qos + "-", publishers, topics);
            long total = (long) publishers * repeats;
            long start = System.nanoTime();
            started.addAll(repeat(broker, pub, qos, topics, frames, repeats));
            long[] processed = GatewayIngestBench.awaitProcessed(gateway, total, start);
            awaitAll(started);
            gateway.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
            return new double[] {processed[0] / ((processed[1] - start) / 1e9), total - processed[0]};
        } finally {
            for (Process p : started) p.destroyForcibly();
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
    }

    static GatewayOptions gatewayOptions(LocalMosquitto broker, int devices) {
        return GatewayOptions.local(broker.host(), broker.port(), "bench-token-0123456789")
                .withClientId("bench-gateway-" + System.nanoTime()) // a fresh session each time
                .withCore(GatewayConfig.defaults().withMaxDevices(Math.max(devices, 16)).withIngest(1 << 20, GatewayConfig.Flow.off()));
    }

    /** Starts the gateway in {@code vertx} and waits until its MQTT side is connected. */
    static GatewayApp startConnected(Vertx vertx, GatewayOptions options) throws Exception {
        GatewayApp gateway = GatewayApp.start(vertx, options).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        awaitConnected(gateway);
        return gateway;
    }

    static void awaitConnected(GatewayApp gateway) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!gateway.mqttConnected()) {
            if (System.nanoTime() > deadline) throw new IllegalStateException("the gateway did not connect");
            Thread.sleep(5);
        }
    }

    /** Starts one {@code mosquitto_pub -l} per file, its lines on stdin, on the topic {@code topic(p)}; waits for them and returns them. */
    static List<Process> publish(LocalMosquitto broker, Path pub, int qos, List<Path> files, java.util.function.IntFunction<String> topic)
            throws Exception {
        List<Process> started = new ArrayList<>();
        for (int p = 0; p < files.size(); p++) {
            started.add(new ProcessBuilder(pub.toString(), "-h", broker.host(), "-p", Integer.toString(broker.port()), "-q", Integer.toString(qos),
                    "-t", topic.apply(p), "-l").redirectInput(files.get(p).toFile()).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start());
        }
        awaitAll(started);
        return started;
    }

    static long epochMicros() {
        java.time.Instant now = java.time.Instant.now();
        return now.getEpochSecond() * 1_000_000L + now.getNano() / 1_000L;
    }
}
