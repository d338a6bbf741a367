package dev.storyloop.faults;

import dev.storyloop.device.chan.OverflowPolicy;
import dev.storyloop.device.firmware.Device;
import dev.storyloop.device.firmware.FirmwareConfig;
import dev.storyloop.device.hal.LiveBoard;
import dev.storyloop.device.live.LiveDevice;
import dev.storyloop.gateway.GatewayApp;
import dev.storyloop.gateway.GatewayOptions;
import dev.storyloop.testsupport.BrokerConfig;
import dev.storyloop.testsupport.Executables;
import dev.storyloop.testsupport.MosquittoBroker;
import dev.storyloop.testsupport.MosquittoExtension;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The live fault suite, against the fixture's Mosquitto: the broker killed and restarted ten times
 * under a QoS 1 fleet, the broker frozen past the devices' keepalive, the gateway's process killed
 * and started again, and garbage on every topic the gateway reads. The fleet's size is
 * {@code -Dstoryloop.faults.devices} (50 by default).
 *
 * <p>Accounting, once the fleet has drained: every reading a device sampled was received by the
 * gateway or is counted missing there, except what a device still held when it was shut down
 * ({@code received + missing == sampled - buffered}, so a duplicate is never applied twice); every reading a device dropped is a gap; and the only other gaps are
 * copies a SIGKILL took from the broker after it had acknowledged them to the device: at most what the
 * broker held for the gateway at each kill, which is at most what the devices had delivered less what
 * the gateway had applied. With the gateway keeping up that is about Mosquitto's
 * in-flight window (20) a kill; a gateway that lags (a starved host) leaves more queued for a kill to take.
 */
class FaultSuiteTest {
    static final int FLEET = Integer.getInteger("storyloop.faults.devices", 50);
    static final String TOKEN = "fault-suite-token-0123456789";
    static final int KILLS = 10;

    // Persistence on: a graceful restart saves the gateway's session (its subscriptions), so after a
    // kill the broker queues for the gateway what devices publish before the gateway is back.
    @RegisterExtension
    final MosquittoExtension mosquitto = MosquittoExtension.with(BrokerConfig.defaults().withMaxQueuedMessages(0).withPersistence(true));

    final List<LiveDevice> devices = new ArrayList<>();
    Vertx vertx;
    GatewayApp gateway;
    Process gatewayProcess;

    @AfterEach
    void stop() throws Exception {
        for (LiveDevice device : devices) device.close();
        if (gatewayProcess != null) gatewayProcess.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        if (vertx != null) vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    @Test
    void theBrokerKilledTenTimesUnderAQos1Fleet(MosquittoBroker broker) throws Exception {
        int port = startGateway(broker);
        startFleet(broker, "kill", FLEET, 64, 5);
        long held = 0;
        for (int k = 0; k < KILLS; k++) held += outage(broker, port, 1_000);
        Books books = drained(port);

        System.out.printf("broker killed %d times under %d devices: %s; at most %d held for the gateway at the kills%n", KILLS, FLEET, books, held);
        assertThat(books.unaccounted).as("every reading delivered, dropped or held").isZero();
        assertThat(books.dropped).as("each outage fits the devices' store").isZero();
        assertThat(books.received + books.missing).as("every reading received or counted missing, none twice: " + books)
                .isEqualTo(books.sampled - books.buffered);
        assertThat(books.missing - books.dropped).as("gaps beyond the devices' drops: copies the kills took from the broker")
                .isBetween(0L, held);
        assertThat(books.connectionsLost).isGreaterThanOrEqualTo((long) FLEET * KILLS);
    }

    @Test
    void outagesBeyondTheStoreAreCountedOnBothSides(MosquittoBroker broker) throws Exception {
        int port = startGateway(broker);
        startFleet(broker, "small", Math.max(5, FLEET / 5), 4, 5);
        long held = 0;
        for (int k = 0; k < 3; k++) held += outage(broker, port, 3_000);
        Books books = drained(port);

        System.out.printf("outages beyond a 4-frame store: %s; at most %d held for the gateway at the kills%n", books, held);
        assertThat(books.unaccounted).isZero();
        assertThat(books.dropped).as("3 s outages at 10 readings/s overflow a store of 4 + 4").isPositive();
        assertThat(books.received + books.missing).isEqualTo(books.sampled - books.buffered);
        assertThat(books.missing - books.dropped).isBetween(0L, held);
    }

    @Test
    void theBrokerFrozenPastTheKeepalive(MosquittoBroker broker) throws Exception {
        int port = startGateway(broker);
        int fleet = Math.max(5, FLEET / 5);
        startFleet(broker, "frozen", fleet, 64, 2);
        Thread.sleep(1_500);
        broker.pause();
        Thread.sleep(5_000); // past 1.5 keepalives of 2 s: every device gives its connection up
        broker.resume();
        Books books = drained(port);

        System.out.printf("broker frozen 5 s under %d devices: %s%n", fleet, books);
        assertThat(books.connectionsLost).as("every device noticed").isGreaterThanOrEqualTo(fleet);
        assertThat(books.unaccounted).isZero();
        assertThat(books.received + books.missing).as("redelivered frames counted as duplicates, never applied twice")
                .isEqualTo(books.sampled - books.buffered);
        assertThat(books.missing).as("a frozen broker loses nothing: every gap is a device's drop").isEqualTo(books.dropped);
    }

    @Test
    void theGatewayProcessKilledAndStartedAgain(MosquittoBroker broker, @TempDir Path dir) throws Exception {
        // The first gateway process subscribes; a graceful broker restart saves its session.
        Path tokenFile = Files.writeString(dir.resolve("token"), TOKEN);
        int port = freePort();
        gatewayProcess = startGatewayProcess(broker, tokenFile, port);
        await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() -> "connected".equals(stats(port).getString("mqtt")));
        broker.restart();
        await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> "connected".equals(stats(port).getString("mqtt")));
        int fleet = Math.max(5, FLEET / 5);
        startFleet(broker, "away", fleet, 64, 5);
        await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> stats(port).getLong("received") >= fleet * 10L);

        gatewayProcess.destroyForcibly().waitFor(10, TimeUnit.SECONDS); // SIGKILL: no DISCONNECT, its session stays
        long deliveredAtKill = delivered();
        Thread.sleep(3_000);
        long deliveredWhileAway = delivered() - deliveredAtKill;
        gatewayProcess = startGatewayProcess(broker, tokenFile, port);
        await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() -> "connected".equals(stats(port).getString("mqtt")));
        JsonObject after = await().atMost(Duration.ofSeconds(30)).ignoreExceptions()
                .until(() -> stats(port), s -> s.getLong("received") >= deliveredWhileAway);

        System.out.printf("gateway process away 3 s: %d frames delivered to the broker meanwhile, the new process received %d%n",
                deliveredWhileAway, after.getLong("received"));
        assertThat(deliveredWhileAway).isGreaterThanOrEqualTo(fleet * 10L);
        assertThat(after.getLong("rejected")).isZero();
    }

    @Test
    void garbageOnEveryTopicTheGatewayReadsIsCountedAndNothingElseChanges(MosquittoBroker broker, @TempDir Path dir) throws Exception {
        Path pub = Executables.find("mosquitto_pub").orElse(null);
        org.junit.jupiter.api.Assumptions.assumeTrue(pub != null && broker.host().equals("127.0.0.1"), "needs mosquitto_pub and a local broker");
        int port = startGateway(broker);
        SplittableRandom random = new SplittableRandom(8);
        int sent = 0;
        for (String kind : new String[] {"telemetry", "ack", "status"}) {
            // 100 messages per topic in one mosquitto_pub: random printable lines (each line is one message)
            StringBuilder lines = new StringBuilder();
            for (int i = 0; i < 100; i++) {
                int length = 1 + random.nextInt(200);
                for (int b = 0; b < length; b++) lines.append((char) (33 + random.nextInt(94)));
                lines.append('\n');
            }
            Path file = Files.writeString(dir.resolve(kind + ".txt"), lines);
            run(file, pub.toString(), "-h", broker.host(), "-p", Integer.toString(broker.port()), "-q", "1",
                    "-t", "storyloop/v1/garbage-" + kind + "/" + kind, "-l");
            sent += 100;
            // and 20 binary payloads, one per process, with bytes a line cannot hold
            for (int i = 0; i < 20; i++) {
                byte[] payload = new byte[1 + random.nextInt(300)];
                for (int b = 0; b < payload.length; b++) payload[b] = (byte) random.nextInt(256);
                Path bin = Files.write(dir.resolve(kind + i + ".bin"), payload);
                run(null, pub.toString(), "-h", broker.host(), "-p", Integer.toString(broker.port()), "-q", "1",
                        "-t", "storyloop/v1/bin-" + i + "/" + kind, "-f", bin.toString());
                sent++;
            }
        }
        int garbage = sent;
        JsonObject stats = await().atMost(Duration.ofSeconds(30)).until(() -> stats(port), s -> s.getLong("rejected") >= garbage);

        System.out.printf("garbage: %d messages, rejects by reason %s%n", garbage, stats.getJsonObject("rejects"));
        assertThat(stats.getLong("rejected")).as("every garbage message is refused and counted").isEqualTo(garbage);
        assertThat(stats.getLong("received")).isZero();
        startFleet(broker, "after", 3, 64, 5);
        await().atMost(Duration.ofSeconds(30)).until(() -> stats(port).getLong("received") >= 30);
        // The fleet's own "online" statuses published before their first frames register nobody: counted apart from the garbage.
        JsonObject after = stats(port);
        long early = after.getJsonObject("rejects").getLong("status-unregistered", 0L);
        assertThat(early).as("statuses ahead of a device's first frame").isLessThanOrEqualTo(3);
        assertThat(after.getLong("rejected") - early).as("good frames are still accepted, and only garbage refused").isEqualTo(garbage);
    }

    // ---- the rig ---------------------------------------------------------------------------------

    /** The in-process Vert.x gateway (its books survive broker faults); a graceful broker restart saves its session. */
    private int startGateway(MosquittoBroker broker) throws Exception {
        vertx = Vertx.vertx(GatewayApp.vertxOptions());
        GatewayOptions options = GatewayOptions.local(broker.host(), broker.port(), TOKEN).withHttp("127.0.0.1", 0);
        gateway = GatewayApp.start(vertx, options).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        int port = gateway.httpPort();
        await().atMost(Duration.ofSeconds(10)).until(() -> "connected".equals(stats(port).getString("mqtt")));
        broker.restart();
        await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> "connected".equals(stats(port).getString("mqtt")));
        return port;
    }

    /**
     * 1.5 s of traffic with the gateway connected, then the broker killed (SIGKILL) and started again
     * {@code downMillis} later. Returns a bound on the copies the kill can take after the broker
     * acknowledged them to a device: those it held for the gateway, in flight towards it or queued
     * behind (with the gateway keeping up, about the in-flight window).
     */
    private long outage(MosquittoBroker broker, int port, long downMillis) throws Exception {
        Thread.sleep(1_500);
        await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> "connected".equals(stats(port).getString("mqtt")));
        // Both counts only grow, and each is read on the side that makes the bound larger: what the gateway applied before
        // the kill, what the devices had delivered after it (once each had taken the loss). (Copies an earlier kill took are counted again: a looser
        // bound, by what the earlier kills took; subtracting the gateway's gaps would not be sound, since a gap that a
        // late frame fills is counted missing for a while.)
        long applied = stats(port).getLong("received");
        long[] lostBefore = new long[devices.size()]; // -1: not connected at the kill (it took its last loss already)
        for (int i = 0; i < lostBefore.length; i++) {
            Device d = devices.get(i).device();
            lostBefore[i] = d.isConnected() ? d.stats().connectionsLost() : -1;
        }
        broker.kill();
        // A device counts a reading delivered when its loop takes the PUBACK, which may be after the kill: once its
        // loop has taken the connection's loss, it has taken every PUBACK that came before it.
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            for (int i = 0; i < lostBefore.length; i++) {
                if (lostBefore[i] >= 0 && devices.get(i).device().stats().connectionsLost() <= lostBefore[i]) return false;
            }
            return true;
        });
        long held = Math.max(0, delivered() - applied);
        Thread.sleep(downMillis);
        broker.restart();
        return held;
    }

    /** {@code count} QoS 1 devices sampling every 100 ms, with a store of {@code capacity} and a window of up to 8. */
    private void startFleet(MosquittoBroker broker, String prefix, int count, int capacity, int keepAliveSeconds) {
        for (int n = 1; n <= count; n++) {
            String id = prefix + "-" + n;
            FirmwareConfig config = FirmwareConfig.builder(id).seed(n).samplePeriodNanos(100_000_000L).qos(1)
                    .uplinkCapacity(capacity).uplinkWindow(Math.min(8, capacity)).overflowPolicy(OverflowPolicy.DROP_OLDEST)
                    .keepAliveSeconds(keepAliveSeconds).backoff(200_000_000L, 1_000_000_000L, true).build();
            devices.add(LiveDevice.start(config, broker.url(), LiveBoard.withSimulatedGpio(id)));
        }
        await().atMost(Duration.ofSeconds(60)).until(() -> devices.stream().allMatch(d -> d.device().isConnected()));
    }

    /** Readings stop; waits until every device holds nothing and the gateway has taken everything delivered, then reads the books. */
    private Books drained(int port) throws Exception {
        await().atMost(Duration.ofSeconds(60)).until(() -> devices.stream().allMatch(d -> d.device().isConnected()));
        Thread.sleep(2_000); // a few readings after the last outage, so that every gap shows
        for (LiveDevice device : devices) device.close(); // stops sampling; what the uplink had published is confirmed first
        Books[] books = new Books[1];
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).until(() -> {
            books[0] = books(stats(port));
            return books[0].received + books[0].missing >= books[0].sampled - books[0].buffered;
        });
        Thread.sleep(500);
        return books(stats(port));
    }

    record Books(long sampled, long delivered, long dropped, long buffered, long unaccounted, long connectionsLost,
                 long received, long missing, long duplicates) {
        @Override
        public String toString() {
            return String.format("sampled %d, delivered %d, dropped %d, buffered %d, unaccounted %d, connections lost %d; "
                            + "gateway received %d, missing %d (beyond the drops: %d), duplicates %d",
                    sampled, delivered, dropped, buffered, unaccounted, connectionsLost, received, missing, missing - dropped, duplicates);
        }
    }

    private Books books(JsonObject gatewayStats) {
        long sampled = 0, delivered = 0, dropped = 0, buffered = 0, unaccounted = 0, lost = 0;
        for (LiveDevice live : devices) {
            Device d = live.device();
            sampled += d.stats().sampled();
            delivered += d.stats().delivered();
            dropped += d.dropped();
            buffered += d.buffered();
            unaccounted += d.unaccounted();
            lost += d.stats().connectionsLost();
        }
        return new Books(sampled, delivered, dropped, buffered, unaccounted, lost, gatewayStats.getLong("received"),
                gatewayStats.getLong("missing"), gatewayStats.getLong("duplicates"));
    }

    private long delivered() {
        long total = 0;
        for (LiveDevice live : devices) total += live.device().stats().delivered();
        return total;
    }

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private static JsonObject stats(int port) throws Exception {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/stats"))
                .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        if (response.statusCode() != 200) throw new IllegalStateException("GET /api/stats: " + response.statusCode());
        return new JsonObject(response.body());
    }

    /** `storyloop gateway` in its own JVM, so that it can be killed as a process. */
    private static Process startGatewayProcess(MosquittoBroker broker, Path tokenFile, int httpPort) throws Exception {
        String java = ProcessHandle.current().info().command().orElse("java");
        return new ProcessBuilder(java, "-Xmx256m", "-cp", System.getProperty("java.class.path"), "dev.storyloop.cli.StoryloopCli",
                "gateway", "--broker", broker.url(), "--token-file", tokenFile.toString(), "--dev-fleet",
                "--http-host", "127.0.0.1", "--http-port", Integer.toString(httpPort), "--status-every", "60s")
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    }

    private static int freePort() throws Exception {
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
            return socket.getLocalPort();
        }
    }

    /** Runs a command with {@code stdin} (nullable) as its input; fails when it fails or does not end. */
    private static void run(Path stdin, String... command) throws Exception {
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        if (stdin != null) builder.redirectInput(stdin.toFile());
        Process p = builder.start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException(String.join(" ", command) + " did not end");
        }
        if (p.exitValue() != 0) throw new IllegalStateException(String.join(" ", command) + " failed: " + output);
    }
}
