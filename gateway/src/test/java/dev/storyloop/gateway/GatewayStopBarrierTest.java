package dev.storyloop.gateway;

import dev.storyloop.gateway.mqtt.GatewayVerticle;
import dev.storyloop.protocol.Topics;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.mqtt.MqttEndpoint;
import io.vertx.mqtt.MqttServer;
import io.vertx.mqtt.messages.MqttSubscribeMessage;
import io.vertx.mqtt.MqttTopicSubscription;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A graceful stop against a scripted broker (vertx-mqtt's server) that records the gateway's packets in the order
 * it reads them: the gateway acknowledges what it applied, asks the broker to answer an UNSUBSCRIBE sent after those
 * acknowledgements, and disconnects only once the answer came, so closing the socket cannot discard acknowledgements
 * the broker had not read yet (the next process would apply those messages again).
 */
class GatewayStopBarrierTest {
    static final int FRAMES = 200;
    static final String TOKEN = "test-token-0123456789abcdef";

    Vertx vertx;
    MqttServer server;
    final List<String> read = Collections.synchronizedList(new ArrayList<>()); // what the broker read, in order
    volatile boolean answerUnsubscribe = true;

    @BeforeEach
    void start() throws Exception {
        vertx = Vertx.vertx();
        server = MqttServer.create(vertx).endpointHandler(this::broker);
        server.listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    @AfterEach
    void stop() throws Exception {
        server.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    /** Accepts the gateway, grants its subscriptions, then delivers FRAMES telemetry frames at QoS 1. */
    private void broker(MqttEndpoint endpoint) {
        endpoint.publishAcknowledgeHandler(id -> read.add("puback"));
        endpoint.subscribeHandler((MqttSubscribeMessage subscribe) -> {
            endpoint.subscribeAcknowledge(subscribe.messageId(),
                    subscribe.topicSubscriptions().stream().map(MqttTopicSubscription::qualityOfService).toList());
            for (int i = 0; i < FRAMES; i++) {
                endpoint.publish(Topics.telemetry("dev-0"), Buffer.buffer(Frames.telemetry("dev-0", i)), MqttQoS.AT_LEAST_ONCE, false, false);
            }
        });
        endpoint.unsubscribeHandler(unsubscribe -> {
            read.add("unsubscribe " + String.join(",", unsubscribe.topics()));
            if (!answerUnsubscribe) return;
            // Answered late, as a busy broker would: a gateway that does not wait disconnects before this.
            vertx.setTimer(300, id -> {
                read.add("unsuback sent");
                endpoint.unsubscribeAcknowledge(unsubscribe.messageId());
            });
        });
        endpoint.disconnectHandler(v -> read.add("disconnect"));
        endpoint.accept(false);
    }

    /** Starts the gateway and waits until the broker has read {@code acknowledged} PUBACKs. */
    private GatewayApp startGateway(int acknowledged) throws Exception {
        GatewayOptions options = GatewayOptions.local("127.0.0.1", server.actualPort(), TOKEN);
        GatewayApp gateway = GatewayApp.start(vertx, options).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(30)).until(() -> pubacks() >= acknowledged);
        return gateway;
    }

    private long pubacks() {
        synchronized (read) {
            return read.stream().filter("puback"::equals).count();
        }
    }

    @Test
    void shouldDisconnectOnlyAfterTheBrokerAnsweredAnUnsubscribeSentAfterTheLastAcknowledgement() throws Exception {
        // Stopped while frames are still arriving: whatever the gateway acknowledges, it acknowledges before the barrier.
        GatewayApp gateway = startGateway(1);
        gateway.close().toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(10)).until(() -> read.contains("disconnect"));
        List<String> order = new ArrayList<>(read);
        int barrier = order.indexOf("unsubscribe " + GatewayVerticle.STOP_BARRIER_FILTER);
        assertThat(barrier).as("the barrier was sent: %s", order).isPositive();
        assertThat(order.subList(0, barrier)).as("only acknowledgements before the barrier").containsOnly("puback");
        assertThat(order.subList(barrier, order.size())).as("the barrier, its answer, then the goodbye, and no acknowledgement after")
                .containsExactly("unsubscribe " + GatewayVerticle.STOP_BARRIER_FILTER, "unsuback sent", "disconnect");
    }

    @Test
    void shouldStillDisconnectWhenTheBrokerNeverAnswersTheBarrier() throws Exception {
        answerUnsubscribe = false;
        GatewayApp gateway = startGateway(FRAMES);
        gateway.close().toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(10)).until(() -> read.contains("disconnect"));
        assertThat(read.subList(FRAMES, read.size()))
                .containsExactly("unsubscribe " + GatewayVerticle.STOP_BARRIER_FILTER, "disconnect");
    }
}
