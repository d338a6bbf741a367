package dev.storyloop.gateway;

import dev.storyloop.gateway.api.GatewayApi;
import dev.storyloop.gateway.api.GatewayMeters;
import dev.storyloop.gateway.core.CommandResult;
import dev.storyloop.gateway.core.ConnectionPolicy;
import dev.storyloop.gateway.core.GatewayConfig;
import dev.storyloop.gateway.core.GatewayConnection;
import dev.storyloop.gateway.core.GatewayCore;
import dev.storyloop.gateway.core.Keyring;
import dev.storyloop.gateway.core.Outbox;
import dev.storyloop.protocol.AckStatus;
import dev.storyloop.protocol.CommandCode;
import dev.storyloop.protocol.Topics;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The typed API over a core on a Vert.x context, without MQTT: every operation runs on the core's
 * context and answers on the caller's; refusals carry their HTTP status; a command waits for the
 * device's ack; nothing is served before {@link GatewayApi#serve} or after {@link GatewayApi#stopServing}.
 */
class GatewayApiTest {
    static final long EPOCH = 9;
    final Vertx vertx = Vertx.vertx();
    final GatewayCore core = new GatewayCore(GatewayConfig.defaults().withEpoch(EPOCH).withCommands(1, 3_600 * GatewayConfig.SECOND),
            Keyring.development(), Outbox.NONE);
    final GatewayConnection connection = new GatewayConnection(core, ConnectionPolicy.live(), 1);
    final GatewayMeters meters = new GatewayMeters(core, connection);
    final GatewayApi api = new GatewayApi(core, connection, meters, false);
    final Context coreContext = vertx.getOrCreateContext();

    @AfterEach
    void close() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    /** Runs {@code action} on the core's context and waits for it. */
    <T> T onCore(Supplier<T> action) throws Exception {
        CompletableFuture<T> done = new CompletableFuture<>();
        coreContext.runOnContext(v -> done.complete(action.get()));
        return done.get(10, TimeUnit.SECONDS);
    }

    static <T> T await(Future<T> future) throws Exception {
        return future.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    static int refusedWith(Future<?> future) {
        Throwable cause = null;
        try {
            await(future);
        } catch (ExecutionException e) {
            cause = e.getCause();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        assertThat(cause).isInstanceOf(GatewayApi.Refused.class);
        return ((GatewayApi.Refused) cause).status();
    }

    void serve() throws Exception {
        onCore(() -> {
            core.attach(new Outbox() {
                @Override
                public void publish(String topic, byte[] payload, int qos, boolean retained) {}

                @Override
                public void commandCompleted(CommandResult result) {
                    api.commandCompleted(result);
                }
            });
            api.serve(coreContext);
            return null;
        });
    }

    @Test
    void shouldRefuseEveryOperationWhileNoMqttSideServes() throws Exception {
        assertThat(refusedWith(api.stats())).isEqualTo(503);
        assertThat(refusedWith(api.command("pi-1", CommandCode.BLINK, 1))).isEqualTo(503);
        serve();
        assertThat(await(api.stats()).getString("mqtt")).isEqualTo("disconnected");
        onCore(() -> {
            api.stopServing();
            return null;
        });
        assertThat(refusedWith(api.devices())).isEqualTo(503);
    }

    @Test
    void shouldAnswerFromTheCoresBooks() throws Exception {
        serve();
        onCore(() -> core.handle(0, Topics.telemetry("pi-1"), Frames.telemetry("pi-1", 0)));
        JsonObject devices = await(api.devices());
        assertThat(devices.getInteger("count")).isEqualTo(1);
        assertThat(await(api.device("pi-1")).getLong("received")).isEqualTo(1);
        assertThat(refusedWith(api.device("pi-2"))).isEqualTo(404);
        assertThat(await(api.stats()).getLong("telemetryAccepted")).isEqualTo(1);
        assertThat(await(api.health()).getString("store")).isEqualTo("none");
        assertThat(await(api.metrics())).contains("storyloop_gateway_telemetry_accepted_total 1.0");
    }

    @Test
    void shouldCompleteACommandWhenTheDeviceAcknowledgesIt() throws Exception {
        serve();
        onCore(() -> core.handle(0, Topics.telemetry("pi-1"), Frames.telemetry("pi-1", 0)));
        assertThat(refusedWith(api.command("pi-2", CommandCode.BLINK, 1))).as("unknown device").isEqualTo(404);
        Future<JsonObject> first = api.command("pi-1", CommandCode.BLINK, 3);
        assertThat(refusedWith(api.command("pi-1", CommandCode.BLINK, 4))).as("one outstanding at most").isEqualTo(429);
        assertThat(first.isComplete()).isFalse();
        onCore(() -> core.handle(System.nanoTime(), Topics.ack("pi-1"), Frames.ack("pi-1", EPOCH, 1, AckStatus.OK)));
        JsonObject result = await(first);
        assertThat(result.getString("outcome")).isEqualTo("ACKED");
        assertThat(result.getInteger("argument")).isEqualTo(3);
        assertThat(result.getString("status")).isEqualTo("OK");
    }

    @Test
    void shouldFailAWaitingCommandWhenTheMqttSideStops() throws Exception {
        serve();
        onCore(() -> core.handle(0, Topics.telemetry("pi-1"), Frames.telemetry("pi-1", 0)));
        Future<JsonObject> waiting = api.command("pi-1", CommandCode.REBOOT, 0);
        await(api.stats()); // the command reached the core before this answer
        onCore(() -> {
            api.stopServing();
            return null;
        });
        assertThat(refusedWith(waiting)).isEqualTo(503);
    }

    @Test
    void shouldAnswerOnTheCallersContext() throws Exception {
        serve();
        Context caller = vertx.getOrCreateContext();
        CompletableFuture<Boolean> sameContext = new CompletableFuture<>();
        caller.runOnContext(v -> api.stats().onComplete(done -> sameContext.complete(Vertx.currentContext() == caller)));
        assertThat(sameContext.get(10, TimeUnit.SECONDS)).isTrue();
    }
}
