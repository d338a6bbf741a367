package dev.storyloop.gateway;

import dev.storyloop.gateway.core.GatewayConfig;
import dev.storyloop.protocol.Topics;
import dev.storyloop.testsupport.BrokerConfig;
import dev.storyloop.testsupport.MosquittoBroker;
import dev.storyloop.testsupport.MosquittoExtension;
import dev.storyloop.testsupport.PahoClients;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.eclipse.paho.client.mqttv3.MqttAsyncClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The gateway against a real Mosquitto with hostile or careless input: messages far over any frame's
 * size, random bytes on every topic it reads, and HTTP requests that are not what the API expects.
 * It must count each one, never lose its MQTT connection, and keep serving.
 */
class GatewayWireLiveTest {
    static final String TOKEN = GatewayLiveTest.TOKEN;
    static final int MIB = 1024 * 1024;

    @RegisterExtension
    final MosquittoExtension mosquitto = MosquittoExtension.with(BrokerConfig.defaults().withMaxQueuedMessages(0));

    Vertx vertx;
    GatewayApp gateway;
    MqttAsyncClient devices;
    MosquittoBroker broker;
    final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeEach
    void start(MosquittoBroker fixture) throws Exception {
        broker = fixture;
        vertx = Vertx.vertx(GatewayApp.vertxOptions());
        GatewayOptions options = GatewayOptions.local(broker.host(), broker.port(), TOKEN)
                .withCore(GatewayConfig.defaults().withCommands(2, 1 * GatewayConfig.SECOND));
        gateway = GatewayApp.start(vertx, options).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(20)).until(() -> "connected".equals(stats().getString("mqtt")));
        devices = PahoClients.connect(broker, "fleet", null, o -> o.setMaxInflight(1000));
    }

    @AfterEach
    void stop() throws Exception {
        PahoClients.close(devices);
        if (gateway != null) gateway.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    JsonObject stats() throws Exception {
        return gateway.api().stats().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    long reject(String reason) throws Exception {
        return stats().getJsonObject("rejects").getLong(reason, 0L);
    }

    /** Publishes {@code file} with the mosquitto_pub command line client, as the reproduction does. */
    void mosquittoPub(String topic, Path file) throws Exception {
        Process pub = new ProcessBuilder("mosquitto_pub", "-h", broker.host(), "-p", Integer.toString(broker.port()), "-q", "1",
                "-i", "pub-" + file.getFileName(), "-t", topic, "-f", file.toString()).redirectErrorStream(true).start();
        try {
            assertThat(pub.waitFor(30, TimeUnit.SECONDS)).as("mosquitto_pub finished").isTrue();
            assertThat(pub.exitValue()).as(new String(pub.getInputStream().readAllBytes())).isZero();
        } finally {
            pub.destroyForcibly();
        }
    }

    @Test
    void shouldCountOversizedMessagesAtQos1AndStayConnectedWithoutRedelivery(@TempDir Path dir) throws Exception {
        SplittableRandom random = new SplittableRandom(14);
        Path big = dir.resolve("big");
        Path huge = dir.resolve("huge");
        Files.write(big, randomBytes(random, 8_100));
        Files.write(huge, randomBytes(random, MIB));
        mosquittoPub("storyloop/v1/anyone/telemetry", big);
        mosquittoPub("storyloop/v1/anyone/telemetry", huge);
        await().atMost(Duration.ofSeconds(30)).until(() -> reject("oversized") == 2);
        devices.publish(Topics.telemetry("pi-1"), Frames.telemetry("pi-1", 0), 1, false).waitForCompletion(5_000);
        await().atMost(Duration.ofSeconds(20)).until(() -> stats().getLong("received") == 1);
        JsonObject stats = stats();
        assertThat(stats.getString("mqtt")).isEqualTo("connected");
        assertThat(stats.getLong("reconnects")).as("the connection never dropped").isZero();
        assertThat(stats.getLong("connectionErrors")).isZero();

        // A restart resumes the persistent session: a message the client had refused unacknowledged would come back now.
        gateway.restartMqtt().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(20)).until(() -> "connected".equals(stats().getString("mqtt")));
        devices.publish(Topics.telemetry("pi-1"), Frames.telemetry("pi-1", 1), 1, false).waitForCompletion(5_000);
        await().atMost(Duration.ofSeconds(20)).until(() -> stats().getLong("received") == 2);
        assertThat(reject("oversized")).as("nothing redelivered").isEqualTo(2);
        assertThat(stats().getLong("framesIn")).isEqualTo(4);
    }

    @Test
    void shouldStayConnectedAndCountEveryRandomMessageOnEveryTopicItReads() throws Exception {
        long seed = System.nanoTime();
        SplittableRandom random = new SplittableRandom(seed);
        devices.publish(Topics.telemetry("pi-1"), Frames.telemetry("pi-1", 0), 1, false).waitForCompletion(5_000);
        await().atMost(Duration.ofSeconds(20)).until(() -> stats().getLong("received") == 1);
        String[] ids = {"pi-1", "pi-2", "x", "z".repeat(64)};
        Topics.Kind[] kinds = {Topics.Kind.TELEMETRY, Topics.Kind.ACK, Topics.Kind.STATUS};
        int count = 300;
        long bytes = 0;
        int largest = 0;
        for (int i = 0; i < count; i++) {
            int size = switch (random.nextInt(10)) {
                case 0 -> 0;
                case 1, 2, 3 -> 1 + random.nextInt(300);
                case 4, 5, 6, 7 -> 300 + random.nextInt(16 * 1024);
                default -> 16 * 1024 + random.nextInt(MIB - 16 * 1024 + 1);
            };
            if (i == 0) size = MIB; // both ends of the range, every run
            if (i == 1) size = 0;
            String topic = Topics.topic(ids[random.nextInt(ids.length)], kinds[random.nextInt(kinds.length)]);
            devices.publish(topic, randomBytes(random, size), i % 2, false);
            bytes += size;
            largest = Math.max(largest, size);
        }
        long expectedIn = count + 1;
        await().atMost(Duration.ofSeconds(120)).until(() -> stats().getLong("framesIn") == expectedIn);
        JsonObject stats = stats();
        System.out.printf("fuzz seed %d: %d messages, %d bytes, largest %d B; rejects %s%n", seed, count, bytes, largest, stats.getJsonObject("rejects"));
        assertThat(stats.getLong("rejected")).as("seed %d", seed).isEqualTo(count);
        assertThat(stats.getLong("reconnects")).as("seed %d: the connection never dropped", seed).isZero();
        assertThat(stats.getLong("connectionErrors")).isZero();
        assertThat(stats.getInteger("devices")).as("random bytes register nobody").isEqualTo(1);

        devices.publish(Topics.telemetry("pi-1"), Frames.telemetry("pi-1", 1), 1, false).waitForCompletion(5_000);
        await().atMost(Duration.ofSeconds(20)).until(() -> stats().getLong("received") == 2);
        assertThat(stats().getString("mqtt")).isEqualTo("connected");
    }

    @Test
    void shouldAnswer400ForEveryBodyThatIsNotACommandAnd405WithAllowForOtherMethods() throws Exception {
        devices.publish(Topics.telemetry("pi-1"), Frames.telemetry("pi-1", 0), 1, false).waitForCompletion(5_000);
        await().atMost(Duration.ofSeconds(20)).until(() -> stats().getInteger("devices") == 1);
        PrintStream originalErr = System.err;
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        System.setErr(new PrintStream(new TeeStream(originalErr, log), true));
        try {
            String path = "/api/devices/pi-1/commands";
            for (String body : new String[] {"[1, 2]", "\"blink\"", "42", "null", "", "{\"command\": \"blink\"}", "{\"argument\": 3}"}) {
                HttpResponse<String> response = post(path, body, "application/json");
                assertThat(response.statusCode()).as("body <%s>: %s", body, response.body()).isEqualTo(400);
                assertThat(new JsonObject(response.body()).getString("error")).isNotBlank();
            }
            for (String form : new String[] {"command=blink&argument=3", "a=%zz&%", "x"}) {
                HttpResponse<String> response = post(path, form, "application/x-www-form-urlencoded");
                assertThat(response.statusCode()).as("form <%s>: %s", form, response.body()).isEqualTo(400);
            }
            HttpResponse<String> json = post(path, "{\"command\":\"blink\",\"argument\":1}", "application/x-www-form-urlencoded");
            assertThat(json.statusCode()).as("JSON sent as a form, as curl -d does: it reaches the device (which does not answer)")
                    .isEqualTo(504);

            assertMethodNotAllowed("PUT", path, "POST");
            assertMethodNotAllowed("GET", path, "POST");
            assertMethodNotAllowed("DELETE", "/health", "GET");
            assertMethodNotAllowed("POST", "/api/devices", "GET");
            assertMethodNotAllowed("PATCH", "/api/devices/pi-1", "GET");
            assertMethodNotAllowed("POST", "/metrics", "GET");
            assertThat(send("GET", "/api/nothing-here", null, null).statusCode()).isEqualTo(404);
        } finally {
            System.setErr(originalErr);
        }
        String logged = log.toString();
        assertThat(logged).as("client errors log no stack trace").doesNotContain("\tat ", "SEVERE", "Exception");
    }

    void assertMethodNotAllowed(String method, String path, String allow) throws Exception {
        HttpResponse<String> response = send(method, path, "{}", "application/json");
        assertThat(response.statusCode()).as("%s %s", method, path).isEqualTo(405);
        assertThat(response.headers().firstValue("Allow")).as("%s %s", method, path).hasValue(allow);
    }

    HttpResponse<String> post(String path, String body, String contentType) throws Exception {
        return send("POST", path, body, contentType);
    }

    HttpResponse<String> send(String method, String path, String body, String contentType) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.httpPort() + path))
                .timeout(Duration.ofSeconds(10)).header("Authorization", "Bearer " + TOKEN)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (contentType != null) request.header("Content-Type", contentType);
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    static byte[] randomBytes(SplittableRandom random, int size) {
        byte[] bytes = new byte[size];
        for (int i = 0; i < size; i++) bytes[i] = (byte) random.nextInt(256);
        return bytes;
    }

    /** Writes to two streams: the test log keeps its output while the test reads what was logged. */
    static final class TeeStream extends java.io.OutputStream {
        private final java.io.OutputStream first;
        private final java.io.OutputStream second;

        TeeStream(java.io.OutputStream first, java.io.OutputStream second) {
            this.first = first;
            this.second = second;
        }

        @Override
        public synchronized void write(int b) throws java.io.IOException {
            first.write(b);
            second.write(b);
        }

        @Override
        public synchronized void write(byte[] b, int off, int len) throws java.io.IOException {
            first.write(b, off, len);
            second.write(b, off, len);
        }
    }
}
