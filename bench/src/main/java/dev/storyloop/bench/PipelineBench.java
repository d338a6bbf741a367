package dev.storyloop.bench;

import dev.storyloop.device.chan.OverflowPolicy;
import dev.storyloop.device.firmware.DeviceStats;
import dev.storyloop.device.firmware.FirmwareConfig;
import dev.storyloop.device.hal.SimulatedSensors;
import dev.storyloop.device.net.PahoTransport;
import dev.storyloop.device.hal.LiveBoard;
import dev.storyloop.device.live.LiveDevice;
import dev.storyloop.gateway.GatewayApp;
import dev.storyloop.gateway.GatewayOptions;
import dev.storyloop.gateway.core.GatewayConfig;
import dev.storyloop.protocol.DeviceKeys;
import dev.storyloop.protocol.Frame;
import dev.storyloop.protocol.FrameCodec;
import dev.storyloop.protocol.FrameType;
import dev.storyloop.protocol.JcaAuthenticator;
import dev.storyloop.protocol.Topics;
import dev.storyloop.testsupport.BrokerConfig;
import dev.storyloop.testsupport.Executables;
import dev.storyloop.testsupport.LocalMosquitto;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * The live pipeline against the bare Java stacks and the physical limit, in one run, for QoS 0 and
 * QoS 1. Every phase runs on a Mosquitto of its own ({@code max_queued_messages 0},
 * {@code max_inflight_messages 0}), started for it and stopped after it, so no session or stored
 * message of one phase can slow the next:
 * <ol type="a">
 *   <li>raw, the physical limit: P {@code mosquitto_pub -l} processes (64-byte lines) to one
 *       {@code mosquitto_sub -C}, once per QoS;</li>
 *   <li>storyloop: D firmware devices (executor, sampler, HMAC, uplink, Paho) sampling at the
 *       firmware's fastest period under {@code block}, so backpressure sets their pace, to the
 *       storyloop gateway, for S seconds after a warm-up;</li>
 *   <li value="2">(b0) bare: D bare Paho publishers (a thread each, no executor, no firmware, no
 *       signing) repeating a device-sized frame with Paho's same in-flight window, to a bare Vert.x
 *       MQTT subscriber that only counts, for the same S seconds;</li>
 *   <li>gateway ingest: P {@code mosquitto_pub -f FRAME --repeat N} processes, each repeating one
 *       signed frame of its own device, to the storyloop gateway. {@code mosquitto_pub -l} cannot
 *       carry frames (a line ends at the first NUL byte, and every frame holds one in its u16
 *       payload length), so the gateway decodes and verifies every copy and refuses all but the
 *       first as a replay; the rate counts every frame it processed;</li>
 *   <li value="3">(c0) the same publishers into the bare counting subscriber.</li>
 * </ol>
 * (b)/(b0) and (c)/(c0) run in R rounds, their order swapped every round; each round prints both
 * ratios, and the medians close each QoS. (b) and (b0) also print where the CPU went per message
 * ({@link CpuBooks}); (b) prints the devices' books at stop: what was sampled, delivered, still
 * queued or unconfirmed when they stopped (lost with their RAM, and invisible to the gateway's
 * {@code missing}, which only sees gaps).
 * Usage: {@code PipelineBench [frames] [publishers] [devices] [seconds] [rounds]}.
 */
public final class PipelineBench {
    static final int SETTLE_SECONDS_MAX = 60;
    static final long WARM_UP_MILLIS = 2_000;
    static final BrokerConfig BROKER = BrokerConfig.defaults().withMaxQueuedMessages(0).withMaxInflightMessages(0);

    public static void main(String[] args) throws Exception {
        int frames = args.length > 0 ? Integer.parseInt(args[0]) : 200_000;
        int publishers = args.length > 1 ? Integer.parseInt(args[1]) : 4;
        int devices = args.length > 2 ? Integer.parseInt(args[2]) : 8;
        int seconds = args.length > 3 ? Integer.parseInt(args[3]) : 10;
        int rounds = args.length > 4 ? Integer.parseInt(args[4]) : 3;
        Path mosquitto = Executables.find("mosquitto").orElseThrow(() -> new IllegalStateException("mosquitto is not installed"));
        Path pub = Executables.find("mosquitto_pub").orElseThrow(() -> new IllegalStateException("mosquitto_pub is not installed"));
        Path sub = Executables.find("mosquitto_sub").orElseThrow(() -> new IllegalStateException("mosquitto_sub is not installed"));
        Path dir = Files.createTempDirectory("storyloop-pipeline-");
        List<Path> raw = new ArrayList<>();
        for (int p = 0; p < publishers; p++) raw.add(Files.write(dir.resolve("raw-" + p), rawLines(frames / publishers)));
        int sent = frames / publishers * publishers;
        byte[] deviceFrame = deviceFrame("fast-0-0");
        System.out.printf(Locale.ROOT, "pipeline: (a) %d x mosquitto_pub -l -> mosquitto_sub, %d messages of 64 B; "
                + "(b) %d storyloop devices (period %d us, block, uplink window %d, Paho window %d) -> gateway for %d s; "
                + "(b0) %d bare Paho publishers (%d B frames, Paho window %d) -> bare Vert.x counter for %d s; "
                + "(c) %d x mosquitto_pub --repeat -> gateway, %d frames; (c0) the same -> bare Vert.x counter; %d rounds; "
                + "a fresh mosquitto per phase%n",
                publishers, sent, devices, FirmwareConfig.SAMPLE_PERIOD_MIN_NANOS / 1_000, FirmwareConfig.UPLINK_WINDOW_MAX,
                PahoTransport.MAX_INFLIGHT_DEFAULT, seconds, devices, deviceFrame.length, PahoTransport.MAX_INFLIGHT_DEFAULT, seconds,
                publishers, sent, rounds);
        try {
            for (int qos : new int[] {0, 1}) {
                double[] a;
                try (LocalMosquitto broker = LocalMosquitto.start(mosquitto, BROKER)) {
                    a = raw(broker, pub, sub, qos, raw, sent);
                }
                System.out.printf(Locale.ROOT, "QoS %d: (a) raw %.0f msg/s (lost %d), the physical limit%n", qos, a[0], (long) a[1]);
                // At QoS 1, mosquitto_pub --repeat waits for each PUBACK, and there more processes only slow it down
                // (about 16k msg/s with 1, 12k with 4, 3k with 16): one process
                int repeaters = qos == 0 ? publishers : 1;
                double[] bRatios = new double[rounds];
                double[] cRatios = new double[rounds];
                double[] bRates = new double[rounds];
                double[] cRates = new double[rounds];
                for (int round = 0; round < rounds; round++) {
                    boolean bareFirst = round % 2 == 1;
                    double b0 = 0;
                    if (bareFirst) b0 = bare(mosquitto, qos, devices, seconds, deviceFrame);
                    double b = devices(mosquitto, qos, devices, seconds);
                    if (!bareFirst) b0 = bare(mosquitto, qos, devices, seconds, deviceFrame);
                    double c0 = 0;
                    if (bareFirst) c0 = repeatToCounter(mosquitto, pub, qos, dir, repeaters, sent / repeaters);
                    double c = ingest(mosquitto, pub, qos, dir, repeaters, sent / repeaters);
                    if (!bareFirst) c0 = repeatToCounter(mosquitto, pub, qos, dir, repeaters, sent / repeaters);
                    bRatios[round] = b / b0;
                    cRatios[round] = c / c0;
                    bRates[round] = b;
                    cRates[round] = c;
                    System.out.printf(Locale.ROOT, "QoS %d round %d (%s first): (b) %.0f / (b0) %.0f msg/s = %.2f; (c) %.0f / (c0) %.0f msg/s = %.2f%n",
                            qos, round + 1, bareFirst ? "bare" : "storyloop", b, b0, bRatios[round], c, c0, cRatios[round]);
                }
                System.out.printf(Locale.ROOT, "QoS %d: median (b)/(b0) %.2f (goal >= 0.8), median (c)/(c0) %.2f; "
                                + "against (a) raw %.0f msg/s: median (b)/(a) %.2f, (c)/(a) %.2f%n",
                        qos, median(bRatios), median(cRatios), a[0], median(bRates) / a[0], median(cRates) / a[0]);
            }
        } finally {
            try (var files = Files.list(dir)) {
                for (Path f : files.toList()) Files.deleteIfExists(f);
            }
            Files.deleteIfExists(dir);
        }
        System.exit(0);
    }

    static double median(double[] values) {
        double[] sorted = values.clone();
        java.util.Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    /** One telemetry frame as a device with this id signs it: the bare publishers send frames of the same size. */
    static byte[] deviceFrame(String deviceId) {
        Frame frame = new Frame();
        frame.reset(FrameType.TELEMETRY, deviceId, 0, System.currentTimeMillis());
        new SimulatedSensors(0).read(frame);
        ByteBuffer buffer = ByteBuffer.allocate(FrameCodec.MAX_FRAME_BYTES);
        int length = new FrameCodec().encode(frame, new JcaAuthenticator(DeviceKeys.development(deviceId)), buffer);
        return java.util.Arrays.copyOf(buffer.array(), length);
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
     * (b) Returns the gateway's received rate over {@code seconds} of steady state, on a broker of its
     * own; prints what the devices' loops, Paho, the gateway and the broker spent per message in that
     * window, and the devices' books at stop.
     */
    static double devices(Path mosquitto, int qos, int count, int seconds) throws Exception {
        try (LocalMosquitto broker = LocalMosquitto.start(mosquitto, BROKER)) {
            Vertx vertx = Vertx.vertx(GatewayApp.vertxOptions());
            List<LiveDevice> fleet = new ArrayList<>();
            GatewayOptions options = gatewayOptions(broker, count);
            try {
                GatewayApp gateway = startConnected(vertx, options);
                for (int n = 0; n < count; n++) {
                    String id = "fast-" + qos + "-" + n;
                    FirmwareConfig config = FirmwareConfig.builder(id).seed(n).samplePeriodNanos(FirmwareConfig.SAMPLE_PERIOD_MIN_NANOS).qos(qos)
                            .uplinkCapacity(256).uplinkWindow(FirmwareConfig.UPLINK_WINDOW_MAX).overflowPolicy(OverflowPolicy.BLOCK)
                            .ramBytes(256 * 1024)
                            .idleSpinNanos(0).build(); // busy every 100 us, a spinning loop would never park and starve Paho and the gateway
                    fleet.add(LiveDevice.start(config, broker.url(), LiveBoard.withSimulatedGpio(id)));
                }
                Thread.sleep(WARM_UP_MILLIS); // connected and JIT-compiled
                long r0 = GatewayIngestBench.stats(gateway).getLong("received");
                long refused0 = refusals(fleet);
                CpuBooks cpu0 = CpuBooks.take(broker.pid());
                Thread.sleep(seconds * 1_000L);
                long r1 = GatewayIngestBench.stats(gateway).getLong("received");
                CpuBooks cpu1 = CpuBooks.take(broker.pid());
                long refused1 = refusals(fleet);
                double rate = (r1 - r0) / ((cpu1.wallNanos() - cpu0.wallNanos()) / 1e9);
                for (LiveDevice device : fleet) device.device().requestShutdown(); // all flush at once
                long sampled = 0, delivered = 0, neverSent = 0, unconfirmed = 0, dropped = 0;
                for (LiveDevice device : fleet) {
                    device.close();
                    DeviceStats stats = device.device().stats();
                    sampled += stats.sampled();
                    delivered += stats.delivered();
                    neverSent += stats.droppedOnReset();
                    unconfirmed += stats.unconfirmedAtReset();
                    dropped += device.device().dropped() - stats.droppedOnReset();
                }
                // At QoS 0 the devices can outrun the gateway: what they wrote waits in the broker's queue
                // towards it. The books are read once it has taken everything in (nothing new for a second).
                GatewayIngestBench.awaitProcessed(gateway, delivered, System.nanoTime());
                JsonObject stats = GatewayIngestBench.stats(gateway);
                gateway.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
                System.out.printf(Locale.ROOT, "  (b) QoS %d: %.0f msg/s; CPU per message received: %s; Paho refused %.0f publishes/s (32202)%n",
                        qos, rate, cpu1.line(cpu0, r1 - r0), (refused1 - refused0) / ((cpu1.wallNanos() - cpu0.wallNanos()) / 1e9));
                System.out.printf(Locale.ROOT, "  (b) QoS %d books at stop: devices sampled %d = delivered %d + dropped while running %d "
                                + "+ undelivered at stop %d (queued, never sent %d; published, unconfirmed %d)%s; gateway received %d, missing %d, "
                                + "delivered and never received %d%n",
                        qos, sampled, delivered, dropped, neverSent + unconfirmed, neverSent, unconfirmed,
                        sampled == delivered + dropped + neverSent + unconfirmed ? "" : " (DO NOT BALANCE)",
                        stats.getLong("received"), stats.getLong("missing"), delivered - stats.getLong("received"));
                return rate;
            } finally {
                for (LiveDevice device : fleet) device.close();
                vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
                BareMqtt.endSession(broker.url(), options.clientId()); // the gateway's session is persistent (clean session off)
            }
        }
    }

    static long refusals(List<LiveDevice> fleet) {
        long refused = 0;
        for (LiveDevice device : fleet) refused += device.transport().inflightRefusals();
        return refused;
    }

    /**
     * (b0) Returns the bare counting subscriber's received rate over {@code seconds} of steady state,
     * fed by {@code count} bare Paho publishers repeating {@code frame}, on a broker of its own.
     */
    static double bare(Path mosquitto, int qos, int count, int seconds, byte[] frame) throws Exception {
        try (LocalMosquitto broker = LocalMosquitto.start(mosquitto, BROKER);
             BareMqtt.Counter counter = new BareMqtt.Counter(broker.host(), broker.port(), "bench-counter", Topics.Kind.TELEMETRY.allDevicesFilter(), qos)) {
            List<BareMqtt.Publisher> publishers = new ArrayList<>();
            try {
                for (int n = 0; n < count; n++) {
                    String id = "bare-" + qos + "-" + n;
                    publishers.add(new BareMqtt.Publisher(broker.url(), id, Topics.telemetry(id), frame, qos, PahoTransport.MAX_INFLIGHT_DEFAULT));
                }
                Thread.sleep(WARM_UP_MILLIS);
                long r0 = counter.received();
                CpuBooks cpu0 = CpuBooks.take(broker.pid());
                Thread.sleep(seconds * 1_000L);
                long r1 = counter.received();
                CpuBooks cpu1 = CpuBooks.take(broker.pid());
                double rate = (r1 - r0) / ((cpu1.wallNanos() - cpu0.wallNanos()) / 1e9);
                long completed = 0, failed = 0, refused = 0;
                for (BareMqtt.Publisher publisher : publishers) {
                    publisher.close();
                    completed += publisher.completed();
                    failed += publisher.failed();
                    refused += publisher.refused();
                    if (publisher.failure() != null) throw new IllegalStateException("a bare publisher failed", publisher.failure());
                }
                publishers.clear();
                counter.awaitQuiet(completed, System.nanoTime(), SETTLE_SECONDS_MAX);
                System.out.printf(Locale.ROOT, "  (b0) QoS %d: %.0f msg/s; CPU per message received: %s%n", qos, rate, cpu1.line(cpu0, r1 - r0));
                System.out.printf(Locale.ROOT, "  (b0) QoS %d books at stop: publishes completed %d, failed %d, refused by Paho (32202, retried) %d; "
                        + "counter received %d%n", qos, completed, failed, refused, counter.received());
                return rate;
            } finally {
                for (BareMqtt.Publisher publisher : publishers) publisher.close();
            }
        }
    }

    interface PublisherRun {
        void run() throws Exception;
    }

    /** (a) Returns {rate, lost}: P {@code mosquitto_pub -l} processes to mosquitto_sub. */
    static double[] raw(LocalMosquitto broker, Path pub, Path sub, int qos, List<Path> files, int sent) throws Exception {
        return toMosquittoSub(broker, sub, qos, "bench/raw/#", sent, () -> publish(broker, pub, qos, files, p -> "bench/raw/" + p));
    }

    /**
     * (c0) Returns the rate at which the bare counting subscriber received the same repeating publishers
     * as {@link #ingest}, from the first publish to the last arrival, on a broker of its own.
     */
    static double repeatToCounter(Path mosquitto, Path pub, int qos, Path dir, int publishers, int repeats) throws Exception {
        try (LocalMosquitto broker = LocalMosquitto.start(mosquitto, BROKER);
             BareMqtt.Counter counter = new BareMqtt.Counter(broker.host(), broker.port(), "bench-counter", Topics.Kind.TELEMETRY.allDevicesFilter(), qos)) {
            List<String> topics = new ArrayList<>();
            List<Path> frames = repeatedFrames(dir, "raw-" + qos + "-", publishers, topics);
            long total = (long) publishers * repeats;
            long start = System.nanoTime();
            List<Process> started = repeat(broker, pub, qos, topics, frames, repeats);
            try {
                counter.awaitQuiet(total, start, SETTLE_SECONDS_MAX);
                awaitAll(started);
            } finally {
                for (Process p : started) p.destroyForcibly();
            }
            double rate = counter.received() / ((counter.lastArrivalNanos() - start) / 1e9);
            System.out.printf(Locale.ROOT, "  (c0) QoS %d: %.0f msg/s (lost %d)%n", qos, rate, total - counter.received());
            return rate;
        }
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
     * (c) Returns the rate of every frame the gateway processed (accepted, or refused as a replay), over
     * the time from the first publish to the last one processed, on a broker of its own.
     */
    static double ingest(Path mosquitto, Path pub, int qos, Path dir, int publishers, int repeats) throws Exception {
        try (LocalMosquitto broker = LocalMosquitto.start(mosquitto, BROKER)) {
            Vertx vertx = Vertx.vertx(GatewayApp.vertxOptions());
            List<Process> started = new ArrayList<>();
            GatewayOptions options = gatewayOptions(broker, publishers);
            try {
                GatewayApp gateway = startConnected(vertx, options);
                List<String> topics = new ArrayList<>();
                List<Path> frames = repeatedFrames(dir, "ingest-" + qos + "-", publishers, topics);
                long total = (long) publishers * repeats;
                long start = System.nanoTime();
                started.addAll(repeat(broker, pub, qos, topics, frames, repeats));
                long[] processed = GatewayIngestBench.awaitProcessed(gateway, total, start);
                awaitAll(started);
                gateway.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
                double rate = processed[0] / ((processed[1] - start) / 1e9);
                System.out.printf(Locale.ROOT, "  (c) QoS %d: %.0f msg/s (lost %d)%n", qos, rate, total - processed[0]);
                return rate;
            } finally {
                for (Process p : started) p.destroyForcibly();
                vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
                BareMqtt.endSession(broker.url(), options.clientId()); // the gateway's session is persistent (clean session off)
            }
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
