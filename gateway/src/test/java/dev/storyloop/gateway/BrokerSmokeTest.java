package dev.storyloop.gateway;

import dev.storyloop.testsupport.BrokerConfig;
import dev.storyloop.testsupport.MosquittoBroker;
import dev.storyloop.testsupport.MosquittoExtension;
import dev.storyloop.testsupport.PahoClients;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.vertx.core.Vertx;
import io.vertx.junit5.Checkpoint;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import io.vertx.mqtt.MqttClient;
import io.vertx.mqtt.MqttClientOptions;
import org.eclipse.paho.client.mqttv3.IMqttActionListener;
import org.eclipse.paho.client.mqttv3.IMqttToken;
import org.eclipse.paho.client.mqttv3.MqttAsyncClient;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.ByteBuffer;
import java.util.BitSet;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The stack the project stands on: Paho publishes through Mosquitto to a Vert.x 5 MQTT client. */
@ExtendWith(VertxExtension.class)
class BrokerSmokeTest {
    private static final int MESSAGES = 10_000;
    private static final int PAHO_INFLIGHT_MAX = 100;

    // No queue limit: this test is about the stack, not about Mosquitto's default drop of QoS1 at 1000 queued.
    @RegisterExtension
    static final MosquittoExtension MOSQUITTO = MosquittoExtension.with(BrokerConfig.defaults().withMaxQueuedMessages(0));

    @Test
    void shouldDeliverEveryQoS1MessageFromPahoToVertxExactlyOnce(Vertx vertx, VertxTestContext ctx, MosquittoBroker broker)
            throws Exception {
        BitSet seen = new BitSet(MESSAGES);
        Checkpoint received = ctx.checkpoint(MESSAGES); // strict: a duplicate flags it once too often and fails the test
        MqttClientOptions options = new MqttClientOptions().setClientId("smoke-sub").setCleanSession(true);
        options.setAutoAck(true);
        MqttClient subscriber = MqttClient.create(vertx, options);
        subscriber.publishHandler(message -> ctx.verify(() -> {
            int sequence = message.payload().getInt(0);
            assertThat(message.qosLevel()).isEqualTo(MqttQoS.AT_LEAST_ONCE);
            assertThat(seen.get(sequence)).as("sequence %d delivered twice", sequence).isFalse();
            seen.set(sequence);
            received.flag();
        }));
        subscriber.connect(broker.port(), broker.host())
                .compose(ack -> subscriber.subscribe("smoke/telemetry", MqttQoS.AT_LEAST_ONCE.value()))
                .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);

        MqttAsyncClient publisher = pahoClient(broker, "smoke-pub");
        try {
            Semaphore window = new Semaphore(PAHO_INFLIGHT_MAX); // stay under Paho's max inflight instead of hitting 32202
            IMqttActionListener release = new IMqttActionListener() {
                @Override public void onSuccess(IMqttToken token) { window.release(); }
                @Override public void onFailure(IMqttToken token, Throwable cause) { window.release(); ctx.failNow(cause); }
            };
            for (int i = 0; i < MESSAGES; i++) {
                window.acquire();
                byte[] payload = ByteBuffer.allocate(64).putInt(0, i).array();
                publisher.publish("smoke/telemetry", payload, 1, false, null, release);
            }
            assertThat(ctx.awaitCompletion(60, TimeUnit.SECONDS)).as("all %d messages arrived", MESSAGES).isTrue();
            assertThat(seen.cardinality()).isEqualTo(MESSAGES);
        } finally {
            PahoClients.close(publisher);
            subscriber.disconnect();
        }
    }

    @Test
    void shouldLetAFreshClientConnectAfterTheBrokerIsKilledAndRestarted(MosquittoBroker broker) throws Exception {
        MqttAsyncClient before = pahoClient(broker, "before-kill");
        broker.kill();
        // Paho notices when its socket read fails; how soon depends on the machine, so only the outcome is checked.
        org.awaitility.Awaitility.await("Paho noticed the dead broker").atMost(java.time.Duration.ofSeconds(60))
                .pollInterval(java.time.Duration.ofMillis(10)).until(() -> !before.isConnected());
        PahoClients.close(before);

        broker.restart();
        MqttAsyncClient after = pahoClient(broker, "after-restart");
        try {
            assertThat(after.isConnected()).isTrue();
            after.publish("smoke/after", new byte[] {1}, 1, false).waitForCompletion(5_000);
        } finally {
            PahoClients.close(after);
        }
    }

    private static MqttAsyncClient pahoClient(MosquittoBroker broker, String clientId) throws MqttException {
        return PahoClients.connect(broker, clientId, null, options -> options.setMaxInflight(PAHO_INFLIGHT_MAX));
    }
}
