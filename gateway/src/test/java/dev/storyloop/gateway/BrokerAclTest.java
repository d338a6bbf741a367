package dev.storyloop.gateway;

import dev.storyloop.protocol.Topics;
import dev.storyloop.testsupport.BrokerConfig;
import dev.storyloop.testsupport.MosquittoBroker;
import dev.storyloop.testsupport.MosquittoExtension;
import dev.storyloop.testsupport.PahoClients;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.eclipse.paho.client.mqttv3.MqttAsyncClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The recommended deployment: {@link MosquittoAcl} on a real Mosquitto keeps each device to its own topics. */
class BrokerAclTest {
    static final String GATEWAY_USER = "gateway";
    static final String GATEWAY_PASSWORD = "gateway-secret-1";

    @RegisterExtension
    static final MosquittoExtension MOSQUITTO = MosquittoExtension.with(BrokerConfig.defaults()
            .withAcl(MosquittoAcl.lines(GATEWAY_USER)).withUser(GATEWAY_USER, GATEWAY_PASSWORD).withAllowAnonymous(true));

    @Test
    void shouldLetADevicePublishOnlyUnderItsOwnId(MosquittoBroker broker) throws Exception {
        Vertx vertx = Vertx.vertx(GatewayApp.vertxOptions());
        MqttAsyncClient deviceA = null;
        try {
            GatewayOptions options = GatewayOptions.local(broker.host(), broker.port(), GatewayLiveTest.TOKEN)
                    .withCredentials(GATEWAY_USER, GATEWAY_PASSWORD);
            GatewayApp gateway = GatewayApp.start(vertx, options).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
            await().atMost(Duration.ofSeconds(10)).until(gateway::mqttConnected);
            deviceA = PahoClients.connect(broker, "dev-a"); // the client id is the device id, as the firmware sets it

            deviceA.publish(Topics.telemetry("dev-a"), Frames.telemetry("dev-a", 0), 1, false).waitForCompletion(5_000);
            deviceA.publish(Topics.telemetry("dev-b"), Frames.telemetry("dev-b", 0), 1, false).waitForCompletion(5_000); // as B
            deviceA.publish(Topics.telemetry("dev-a"), Frames.telemetry("dev-a", 1), 1, false).waitForCompletion(5_000);

            await().atMost(Duration.ofSeconds(10)).until(() -> stats(gateway).getLong("received") == 2);
            Thread.sleep(200); // a refused frame would have arrived in order, before the last one
            JsonObject stats = stats(gateway);
            assertThat(stats.getInteger("devices")).as("dev-b never reached the gateway").isEqualTo(1);
            assertThat(stats.getLong("rejected")).isZero();
            gateway.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        } finally {
            PahoClients.close(deviceA);
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
    }

    static JsonObject stats(GatewayApp gateway) throws Exception {
        return gateway.api().stats().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
}
