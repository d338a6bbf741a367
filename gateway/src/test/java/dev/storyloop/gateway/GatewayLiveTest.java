package dev.storyloop.gateway;

import dev.storyloop.gateway.core.GatewayConfig;
import dev.storyloop.protocol.AckStatus;
import dev.storyloop.protocol.Frame;
import dev.storyloop.protocol.FrameType;
import dev.storyloop.protocol.Topics;
import dev.storyloop.testsupport.BrokerConfig;
import dev.storyloop.testsupport.MosquittoBroker;
import dev.storyloop.testsupport.MosquittoExtension;
import dev.storyloop.testsupport.PahoClients;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Checkpoint;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.eclipse.paho.client.mqttv3.IMqttDeliveryToken;
import org.eclipse.paho.client.mqttv3.MqttAsyncClient;
import org.eclipse.paho.client.mqttv3.MqttCallback;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The Vert.x gateway against the fixture's real Mosquitto: MQTT in, HTTP API out, no event loop blocked. */
@ExtendWith(VertxExtension.class)
class GatewayLiveTest {
    static final String TOKEN = "test-token-0123456789abcdef";

    @RegisterExtension
    final MosquittoExtension mosquitto = MosquittoExtension.with(BrokerConfig.defaults().withMaxQueuedMessages(0));

    Vertx vertx;
    LoopLagProbe lag;
    GatewayApp gateway;
    MqttAsyncClient devices;
    final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    String testName;

    @BeforeEach
    void start(MosquittoBroker broker, org.junit.jupiter.api.TestInfo info) throws Exception {
        testName = info.getDisplayName();
        vertx = Vertx.vertx(GatewayApp.vertxOptions() // tightened: a loop task over 100 ms is reported with its stack
                .setBlockedThreadCheckInterval(50).setMaxEventLoopExecuteTime(100).setWarningExceptionTime(100));
        GatewayOptions options = GatewayOptions.local(broker.host(), broker.port(), TOKEN)
                .withCore(GatewayConfig.defaults().withCommands(2, 1 * GatewayConfig.SECOND));
        gateway = GatewayApp.start(vertx, options).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(10)).until(() -> "connected".equals(stats().getString("mqtt")));
        devices = PahoClients.connect(broker, "fleet", null, o -> o.setMaxInflight(1000));
        // From here on no event loop task may take long; start-up's one-off class loading (DNS resolver, JFR) is behind us.
        lag = LoopLagProbe.deploy(vertx);
    }

    @AfterEach
    void stop() throws Exception {
        PahoClients.close(devices);
        if (gateway != null) gateway.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        // A measurement, not a verdict: on a loaded machine a loop can be late for reasons the gateway does not control.
        if (lag != null) lag.report(testName);
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    JsonObject stats() throws Exception {
        return gateway.api().stats().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    void send(String topic, byte[] payload) throws Exception {
        devices.publish(topic, payload, 1, false).waitForCompletion(5_000);
    }

    @Test
    void shouldAccountExactlyForFiftyDevices(VertxTestContext ctx) throws Exception {
        for (int s = 0; s < 20; s++) {
            for (int d = 0; d < 50; d++) devices.publish(Topics.telemetry("dev-" + d), Frames.telemetry("dev-" + d, s), 1, false);
        }
        Checkpoint everyDevice = ctx.checkpoint(50);
        java.util.concurrent.atomic.AtomicBoolean checking = new java.util.concurrent.atomic.AtomicBoolean();
        io.vertx.core.http.HttpClient client = vertx.createHttpClient();
        long poll = vertx.setPeriodic(20, id -> gateway.api().stats()
                .onSuccess(stats -> {
                    // Several stats requests can be in flight: only the first reply that shows every frame checks the devices.
                    if (stats.getLong("received") < 1_000 || !checking.compareAndSet(false, true)) return;
                    vertx.cancelTimer(id);
                    ctx.verify(() -> {
                        assertThat(stats.getInteger("devices")).isEqualTo(50);
                        assertThat(stats.getLong("missing")).isZero();
                        assertThat(stats.getLong("duplicates")).isZero();
                        assertThat(stats.getLong("rejected")).isZero();
                    });
                    for (int d = 0; d < 50; d++) {
                        client.request(io.vertx.core.http.HttpMethod.GET, gateway.httpPort(), "127.0.0.1", "/api/devices/dev-" + d)
                                .compose(request -> request.send().compose(response -> response.body()))
                                .onComplete(ctx.succeeding(body -> ctx.verify(() -> {
                                    JsonObject device = body.toJsonObject();
                                    assertThat(device.getLong("received")).isEqualTo(20);
                                    assertThat(device.getLong("missing")).isZero();
                                    assertThat(device.getLong("highestSequence")).isEqualTo(19);
                                    assertThat(device.getJsonArray("recent").getJsonObject(0).getLong("sequence")).isEqualTo(19);
                                    everyDevice.flag();
                                })));
                    }
                }));
        assertThat(ctx.awaitCompletion(30, TimeUnit.SECONDS)).as("every device's books checked").isTrue();
        vertx.cancelTimer(poll);
        if (ctx.failed()) throw new AssertionError(ctx.causeOfFailure());
        assertThat(new JsonObject(get("/api/devices").body()).getInteger("count")).isEqualTo(50);
    }

    @Test
    void shouldCountGarbageByReasonAndKeepServing() throws Exception {
        send(Topics.telemetry("pi-1"), "not a frame at all".getBytes(StandardCharsets.UTF_8));      // mosquitto_pub -m style
        byte[] forged = Frames.telemetry("pi-1", 0);
        forged[forged.length - 1] ^= 0x55;
        send(Topics.telemetry("pi-1"), forged);
        send(Topics.telemetry("pi-2"), Frames.telemetry("pi-1", 1));                                  // pi-1's frame on pi-2's topic
        send(Topics.telemetry("pi-1"), new byte[4096]);
        send(Topics.status("pi-1"), "sleepy".getBytes(StandardCharsets.UTF_8));
        send("storyloop/v1/not an id/telemetry", Frames.telemetry("pi-1", 2));                          // matches +, but no device id
        send(Topics.telemetry("pi-1"), Frames.telemetry("pi-1", 3));                                  // and a good one
        await().atMost(Duration.ofSeconds(10)).until(() -> stats().getLong("telemetryAccepted") == 1);

        JsonObject rejects = stats().getJsonObject("rejects");
        assertThat(rejects.getLong("too-short")).isEqualTo(1);
        assertThat(rejects.getLong("bad-tag")).isEqualTo(1);
        assertThat(rejects.getLong("id-mismatch")).isEqualTo(1);
        assertThat(rejects.getLong("oversized")).isEqualTo(1);
        assertThat(rejects.getLong("bad-status")).isEqualTo(1);
        assertThat(rejects.getLong("bad-topic")).isEqualTo(1);
        String metrics = get("/metrics").body();
        assertThat(metrics).contains("storyloop_gateway_rejects_total{reason=\"bad-tag\"} 1.0", "storyloop_gateway_processing_latency_seconds_bucket");
    }

    @Test
    void shouldMissNothingWhenTheGatewayRestartsMidStreamWithQoS1() throws Exception {
        for (int s = 0; s < 100; s++) send(Topics.telemetry("pi-1"), Frames.telemetry("pi-1", s));
        await().atMost(Duration.ofSeconds(10)).until(() -> stats().getLong("received") == 100);
        gateway.stopMqtt().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        for (int s = 100; s < 300; s++) send(Topics.telemetry("pi-1"), Frames.telemetry("pi-1", s)); // queued by the broker
        gateway.startMqttAgain().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        for (int s = 300; s < 400; s++) send(Topics.telemetry("pi-1"), Frames.telemetry("pi-1", s));

        await().atMost(Duration.ofSeconds(20)).until(() -> stats().getLong("received") == 400);
        assertThat(stats().getLong("missing")).isZero();
    }

    @Test
    void shouldServeTheApiAndRefuseBadRequestsWithTheRightStatus() throws Exception {
        send(Topics.telemetry("pi-1"), Frames.telemetry("pi-1", 0));
        send(Topics.telemetry("quiet"), Frames.telemetry("quiet", 0));
        await().atMost(Duration.ofSeconds(10)).until(() -> stats().getInteger("devices") == 2);
        // pi-1 answers its commands, as the firmware does
        devices.setCallback(new MqttCallback() {
            @Override public void connectionLost(Throwable cause) {}
            @Override public void messageArrived(String topic, MqttMessage message) throws Exception {
                Frame command = Frames.decode(message.getPayload());
                if (command.type() == FrameType.COMMAND) {
                    devices.publish(Topics.ack("pi-1"), Frames.ack("pi-1", command.epoch(), command.correlationId(), AckStatus.OK), 1, false);
                }
            }
            @Override public void deliveryComplete(IMqttDeliveryToken token) {}
        });
        devices.subscribe(Topics.cmd("pi-1"), 1).waitForCompletion(5_000);

        HttpResponse<String> ok = post("/api/devices/pi-1/commands", "{\"command\": \"blink\", \"argument\": 3}", TOKEN);
        assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
        assertThat(new JsonObject(ok.body()).getString("status")).isEqualTo("OK");
        HttpResponse<String> timeout = post("/api/devices/quiet/commands", "{\"command\": \"reboot\"}", TOKEN);
        assertThat(timeout.statusCode()).as("the device never answers").isEqualTo(504);
        assertThat(new JsonObject(timeout.body()).getString("outcome")).isEqualTo("TIMED_OUT");

        assertThat(post("/api/devices/pi-1/commands", "{\"command\": \"blink\"}", null).statusCode()).isEqualTo(401);
        assertThat(post("/api/devices/pi-1/commands", "{\"command\": \"blink\"}", "wrong-token-wrong-token").statusCode()).isEqualTo(403);
        HttpResponse<String> badJson = post("/api/devices/pi-1/commands", "{\"command\": ", TOKEN);
        assertThat(badJson.statusCode()).isEqualTo(400);
        assertThat(badJson.body()).contains("bad JSON");
        assertThat(post("/api/devices/pi-1/commands", "{\"command\": \"dance\"}", TOKEN).statusCode()).isEqualTo(400);
        assertThat(post("/api/devices/pi-1/commands", "{\"command\": \"blink\", \"argument\": \"three\"}", TOKEN).statusCode()).isEqualTo(400);
        assertThat(post("/api/devices/nobody/commands", "{\"command\": \"blink\", \"argument\": 1}", TOKEN).statusCode()).isEqualTo(404);
        assertThat(post("/api/devices/pi-1/commands", "{\"pad\": \"" + "x".repeat(5_000) + "\"}", TOKEN).statusCode()).isEqualTo(413);
        assertThat(get("/api/devices/nobody").statusCode()).isEqualTo(404);
        assertThat(get("/api/nothing-here").statusCode()).isEqualTo(404);
        assertThat(get("/health").statusCode()).isEqualTo(200);
        assertThat(get("/metrics").body()).contains("storyloop_http_refused_total{status=\"401\"} 1.0", "storyloop_gateway_commands_timed_out_total 1.0");
    }

    HttpResponse<String> get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> post(String path, String body, String token) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
        if (token != null) request.header("Authorization", "Bearer " + token);
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    URI uri(String path) {
        return URI.create("http://127.0.0.1:" + gateway.httpPort() + path);
    }
}
