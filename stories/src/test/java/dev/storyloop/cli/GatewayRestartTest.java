package dev.storyloop.cli;

import dev.storyloop.protocol.DeviceKeys;
import dev.storyloop.protocol.Frame;
import dev.storyloop.protocol.FrameCodec;
import dev.storyloop.protocol.FrameType;
import dev.storyloop.protocol.JcaAuthenticator;
import dev.storyloop.protocol.Sensor;
import dev.storyloop.protocol.Topics;
import dev.storyloop.testsupport.BrokerConfig;
import dev.storyloop.testsupport.MosquittoBroker;
import dev.storyloop.testsupport.MosquittoExtension;
import dev.storyloop.testsupport.PahoClients;
import io.vertx.core.json.JsonObject;
import org.eclipse.paho.client.mqttv3.MqttAsyncClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code storyloop gateway} as a real process under QoS 1 load, stopped by SIGTERM or killed by
 * SIGKILL and started again: every published frame is applied exactly once and nothing is invented
 * missing. The broker queues without limit here, so any loss or double count is the gateway's.
 */
class GatewayRestartTest {
    static final int DEVICES = 4;
    static final int RESTARTS = 3;

    @RegisterExtension
    final MosquittoExtension mosquitto = MosquittoExtension.with(BrokerConfig.defaults().withMaxQueuedMessages(0));

    @TempDir
    Path dir;

    final List<Process> started = new ArrayList<>();
    final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    Publisher publisher;

    @AfterEach
    void end() throws Exception {
        if (publisher != null) publisher.stop();
        for (Process p : started) {
            if (p.isAlive()) p.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        }
    }

    @Test
    void shouldApplyEveryFrameExactlyOnceAcrossThreeSigtermRestarts(MosquittoBroker broker) throws Exception {
        Path token = Files.writeString(dir.resolve("token"), "restart-test-token-0123456789");
        List<long[]> books = new ArrayList<>(); // received, missing, duplicates per process
        Gateway gateway = startGateway(broker, token, null);
        publisher = new Publisher(broker);
        for (int i = 0; i < RESTARTS; i++) {
            long before = publisher.published();
            await().atMost(Duration.ofSeconds(60)).until(() -> publisher.published() >= before + 400);
            gateway.process.destroy(); // SIGTERM, while the publisher keeps going
            books.add(gateway.summary());
            gateway = startGateway(broker, token, null);
        }
        publisher.stop();
        long total = publisher.published();
        Gateway last = gateway;
        await().atMost(Duration.ofSeconds(60)).until(() -> books.stream().mapToLong(b -> b[0]).sum() + last.stats().getLong("received") >= total);
        last.process.destroy();
        books.add(last.summary());

        System.out.printf("SIGTERM restarts: %d frames published, per process received/missing/duplicates: %s%n", total,
                books.stream().map(Arrays::toString).toList());
        // Without a store, a frame applied but not acknowledged when a connection is lost is applied again by design:
        // the processes' warnings say whether that happened (then the count is not the stop's fault).
        assertThat(books.stream().mapToLong(b -> b[0]).sum()).as("every frame applied exactly once over the %d processes; their warnings: %s",
                books.size(), warnings()).isEqualTo(total);
        assertThat(books).allSatisfy(b -> assertThat(b[1]).as("missing, in every process").isZero());
        assertThat(books).allSatisfy(b -> assertThat(b[2]).as("duplicates, in every process").isZero());
        assertThat(books).allSatisfy(b -> assertThat(b[0]).as("each process applied some").isPositive());
    }

    @Test
    void shouldRefuseAReplayAndKeepItsBooksAfterSigkillWithAStore(MosquittoBroker broker) throws Exception {
        Path token = Files.writeString(dir.resolve("token"), "restart-test-token-0123456789");
        Path store = dir.resolve("gateway.store");
        Gateway gateway = startGateway(broker, token, store);
        publisher = new Publisher(broker);
        Gateway first = gateway;
        await().atMost(Duration.ofSeconds(60)).until(() -> first.stats().getLong("received") >= 600); // books worth keeping
        gateway.process.destroyForcibly().waitFor(30, TimeUnit.SECONDS); // SIGKILL mid-load: no goodbye
        assertThat(gateway.process.exitValue()).isNotZero();
        publisher.pause(true);
        long atKill = publisher.published();
        // A frame seen on the wire just before the kill; it stays inside the replay window (1,024) until it is replayed.
        byte[] captured = publisher.frame(0, (atKill - 1) / DEVICES - 1);
        publisher.pause(false);
        await().atMost(Duration.ofSeconds(60)).until(() -> publisher.published() >= atKill + 200); // the broker queues these
        publisher.pause(true);

        Gateway restarted = startGateway(broker, token, store);
        assertThat(restarted.output()).contains("restored store");
        long sent = publisher.published();
        await().atMost(Duration.ofSeconds(60)).until(() -> restarted.stats().getLong("received") >= sent);
        JsonObject beforeReplay = restarted.stats();
        System.out.println("after the SIGKILL and the restart, before the replay: " + beforeReplay.encode());
        long replaysBefore = replays(beforeReplay);
        publisher.publishRaw(0, captured);
        await().atMost(Duration.ofSeconds(30)).until(() -> replays(restarted.stats()) > replaysBefore);
        JsonObject afterReplay = restarted.stats();
        assertThat(replays(afterReplay)).as("the captured frame, replayed after the restart").isEqualTo(replaysBefore + 1);
        assertThat(afterReplay.getLong("received")).isEqualTo(sent);

        publisher.pause(false);
        await().atMost(Duration.ofSeconds(60)).until(() -> publisher.published() >= sent + 300);
        publisher.stop();
        long total = publisher.published();
        await().atMost(Duration.ofSeconds(60)).until(() -> restarted.stats().getLong("received") >= total);
        JsonObject end = restarted.stats();
        System.out.printf("SIGKILL with a store: %d frames published; after the restart received %d missing %d duplicates %d (replay refusals %d)%n",
                total, end.getLong("received"), end.getLong("missing"), end.getLong("duplicates"), replays(end));
        assertThat(end.getLong("received")).as("every frame applied exactly once, across the kill").isEqualTo(total);
        assertThat(end.getLong("missing")).as("no false gaps").isZero();
        restarted.process.destroy();
        assertThat(restarted.summary()[0]).isEqualTo(total);
    }

    /**
     * Every gateway process's lines so far about its broker connection: a connection lost, a connect that failed, a stop
     * that did not hear the broker's answer (matched by the gateway's own words, which do not depend on the locale).
     */
    private List<String> warnings() throws Exception {
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < started.size(); i++) {
            for (String line : Files.readAllLines(dir.resolve("gateway-" + i + ".log"), StandardCharsets.UTF_8)) {
                if (line.contains("MQTT connect") || line.contains("stop's UNSUBSCRIBE")) lines.add("process " + i + ": " + line);
            }
        }
        return lines;
    }

    private static long replays(JsonObject stats) {
        return stats.getJsonObject("rejects").getLong("replay", 0L);
    }

    // ---- the gateway process ---------------------------------------------------------------------

    final class Gateway {
        final Process process;
        final Path log;
        final int port;

        Gateway(Process process, Path log, int port) {
            this.process = process;
            this.log = log;
            this.port = port;
        }

        String output() throws Exception {
            return Files.readString(log, StandardCharsets.UTF_8);
        }

        JsonObject stats() throws Exception {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/stats"))
                    .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            if (response.statusCode() != 200) throw new IllegalStateException("GET /api/stats: " + response.statusCode());
            return new JsonObject(response.body());
        }

        /** Waits for the process to end and reads its summary line: received, missing, duplicates. */
        long[] summary() throws Exception {
            assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("the gateway ended after SIGTERM").isTrue();
            String out = output();
            assertThat(process.exitValue()).as("a JVM ended by SIGTERM exits with 128 + 15, after its shutdown hook: " + out).isIn(0, 143);
            Matcher m = Pattern.compile("summary mqtt \\S+ devices \\d+ received (\\d+) missing (\\d+) duplicates (\\d+)").matcher(out);
            assertThat(m.find()).as(out).isTrue();
            return new long[] {Long.parseLong(m.group(1)), Long.parseLong(m.group(2)), Long.parseLong(m.group(3))};
        }
    }

    private Gateway startGateway(MosquittoBroker broker, Path token, Path store) throws Exception {
        int port = freePort();
        Path log = dir.resolve("gateway-" + started.size() + ".log");
        List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"), "-Xmx256m",
                "-cp", System.getProperty("java.class.path"), "dev.storyloop.cli.StoryloopCli", "gateway", "--broker", broker.url(),
                "--token-file", token.toString(), "--dev-fleet", "--http-host", "127.0.0.1", "--http-port", Integer.toString(port),
                "--status-every", "60s"));
        if (store != null) command.addAll(List.of("--store", store.toString()));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        started.add(process);
        Gateway gateway = new Gateway(process, log, port);
        await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() -> "connected".equals(gateway.stats().getString("mqtt")));
        return gateway;
    }

    private static int freePort() throws Exception {
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
            return socket.getLocalPort();
        }
    }

    // ---- the devices -----------------------------------------------------------------------------

    /** Signed QoS 1 telemetry from {@value #DEVICES} devices in turn, each publish waited for, on its own thread. */
    static final class Publisher {
        final MqttAsyncClient client;
        final AtomicLong published = new AtomicLong();
        final AtomicBoolean running = new AtomicBoolean(true);
        final AtomicBoolean paused = new AtomicBoolean();
        final Thread thread;
        volatile Throwable failure;

        Publisher(MosquittoBroker broker) throws Exception {
            client = PahoClients.connect(broker, "restart-fleet", null, o -> o.setMaxInflight(100));
            thread = new Thread(this::run, "restart-test-publisher");
            thread.start();
        }

        private void run() {
            long n = 0;
            try {
                while (running.get()) {
                    if (paused.get()) {
                        Thread.sleep(5);
                        continue;
                    }
                    int device = (int) (n % DEVICES);
                    try {
                        client.publish(Topics.telemetry("rs-" + device), frame(device, n / DEVICES), 1, false).waitForCompletion(30_000);
                    } catch (org.eclipse.paho.client.mqttv3.MqttException e) {
                        if (e.getReasonCode() != org.eclipse.paho.client.mqttv3.MqttException.REASON_CODE_MAX_INFLIGHT) throw e;
                        Thread.sleep(5); // Paho's window is still full of completed-but-unreleased tokens: the same frame again
                        continue;
                    }
                    n++;
                    published.set(n);
                    if (n % 8 == 0) Thread.sleep(1); // about a few thousand frames a second at most: a load, not a flood
                }
            } catch (Throwable e) {
                failure = e;
            }
        }

        long published() {
            if (failure != null) throw new AssertionError("the publisher failed", failure);
            return published.get();
        }

        void pause(boolean pause) throws Exception {
            paused.set(pause);
            Thread.sleep(50); // the publish in progress completes
        }

        void publishRaw(int device, byte[] payload) throws Exception {
            client.publish(Topics.telemetry("rs-" + device), payload, 1, false).waitForCompletion(30_000);
        }

        void stop() throws Exception {
            running.set(false);
            thread.join(60_000);
            PahoClients.close(client);
        }

        byte[] frame(int device, long sequence) {
            String id = "rs-" + device;
            Frame frame = new Frame().reset(FrameType.TELEMETRY, id, sequence, sequence).addReading(Sensor.COUNTER, (int) sequence);
            ByteBuffer out = ByteBuffer.allocate(FrameCodec.MAX_FRAME_BYTES);
            int length = new FrameCodec().encode(frame, new JcaAuthenticator(DeviceKeys.development(id)), out);
            return Arrays.copyOf(out.array(), length);
        }
    }
}
