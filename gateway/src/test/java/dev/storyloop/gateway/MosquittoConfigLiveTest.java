package dev.storyloop.gateway;

import dev.storyloop.gateway.core.GatewayConfig;
import dev.storyloop.protocol.Topics;
import dev.storyloop.testsupport.Executables;
import dev.storyloop.testsupport.PahoClients;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.eclipse.paho.client.mqttv3.MqttAsyncClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.awaitility.Awaitility.await;

/** The recommended broker limits on a real Mosquitto: a payload past the limit never reaches the gateway, one under it is counted. */
class MosquittoConfigLiveTest {
    @Test
    void shouldSizeTheGatewaysQueueFromTheFleet() {
        MosquittoConfig.Fleet fleet = new MosquittoConfig.Fleet(10_000, 1.0, 60);
        assertThat(fleet.queuedMessages()).isEqualTo(610_000);
        assertThat(fleet.queuedBytes()).isEqualTo(610_000L * (180 + 87));
        assertThat(MosquittoConfig.lines(fleet)).contains("message_size_limit 1048576", "max_queued_messages 610000");
    }

    @Test
    void shouldKeepAPayloadOverTheLimitFromTheGatewayAndLetItCountOneUnder(@TempDir Path dir) throws Exception {
        Path binary = Executables.find("mosquitto").orElse(null);
        assumeThat(binary).as("a local mosquitto").isNotNull();
        int port;
        try (ServerSocket socket = new ServerSocket()) {
            socket.bind(new InetSocketAddress("127.0.0.1", 0));
            port = socket.getLocalPort();
        }
        Path conf = dir.resolve("mosquitto.conf");
        Files.writeString(conf, "listener " + port + " 127.0.0.1\nallow_anonymous true\npersistence_location " + dir + "/\n"
                + MosquittoConfig.render(new MosquittoConfig.Fleet(100, 10, 60)));
        Process mosquitto = new ProcessBuilder(binary.toString(), "-c", conf.toString()).redirectErrorStream(true)
                .redirectOutput(dir.resolve("mosquitto.log").toFile()).start();
        Vertx vertx = Vertx.vertx(GatewayApp.vertxOptions());
        MqttAsyncClient device = null;
        try {
            int brokerPort = port;
            await().atMost(Duration.ofSeconds(10)).until(() -> listening(brokerPort));
            GatewayOptions options = GatewayOptions.local("127.0.0.1", port, GatewayLiveTest.TOKEN).withCore(GatewayConfig.defaults());
            GatewayApp gateway = GatewayApp.start(vertx, options).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
            await().atMost(Duration.ofSeconds(20)).until(gateway::mqttConnected);
            MqttConnectOptions connect = new MqttConnectOptions();
            connect.setCleanSession(true);
            device = new MqttAsyncClient("tcp://127.0.0.1:" + port, "pi-1", null);
            device.connect(connect).waitForCompletion(10_000);

            SplittableRandom random = new SplittableRandom(3);
            device.publish(Topics.telemetry("pi-1"), GatewayWireLiveTest.randomBytes(random, 3 * 1024 * 1024), 1, false).waitForCompletion(30_000);
            device.publish(Topics.telemetry("pi-1"), GatewayWireLiveTest.randomBytes(random, MosquittoConfig.MESSAGE_SIZE_LIMIT_BYTES), 1, false)
                    .waitForCompletion(30_000);
            device.publish(Topics.telemetry("pi-1"), Frames.telemetry("pi-1", 0), 1, false).waitForCompletion(10_000);
            await().atMost(Duration.ofSeconds(30)).until(() -> stats(gateway).getLong("received") == 1);
            JsonObject stats = stats(gateway);
            assertThat(stats.getLong("framesIn")).as("the 3 MiB payload stopped at the broker").isEqualTo(2);
            assertThat(stats.getJsonObject("rejects").getLong("oversized")).isEqualTo(1);
            assertThat(stats.getLong("reconnects")).isZero();
            assertThat(device.isConnected()).as("the publisher keeps its connection").isTrue();
            gateway.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        } finally {
            PahoClients.close(device);
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
            mosquitto.destroy();
            if (!mosquitto.waitFor(10, TimeUnit.SECONDS)) mosquitto.destroyForcibly();
        }
    }

    static boolean listening(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 500);
            return true;
        } catch (java.io.IOException e) {
            return false;
        }
    }

    static JsonObject stats(GatewayApp gateway) throws Exception {
        return gateway.api().stats().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
}
