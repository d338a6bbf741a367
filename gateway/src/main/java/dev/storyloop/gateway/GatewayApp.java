package dev.storyloop.gateway;

import dev.storyloop.gateway.api.GatewayApi;
import dev.storyloop.gateway.api.GatewayMeters;
import dev.storyloop.gateway.core.ConnectionPolicy;
import dev.storyloop.gateway.core.GatewayConfig;
import dev.storyloop.gateway.core.GatewayConnection;
import dev.storyloop.gateway.core.GatewayCore;
import dev.storyloop.gateway.core.Outbox;
import dev.storyloop.gateway.http.HttpVerticle;
import dev.storyloop.gateway.mqtt.GatewayVerticle;
import dev.storyloop.gateway.store.DeviceState;
import dev.storyloop.gateway.store.GatewayStore;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;

import java.security.SecureRandom;
import java.util.concurrent.TimeUnit;

/**
 * A running gateway: the core with its connection ({@link ConnectionPolicy#live()}), its typed API
 * and its meters, which live as long as the process, and the MQTT and HTTP verticles around them,
 * deployed on one Vert.x. The MQTT verticle can be stopped and started again around the same core.
 *
 * <p>{@link #vertxOptions()} is explicit about the event loops and keeps the blocked-thread checker
 * on (a loop task over 200 ms is reported with its stack); tests tighten it further.
 */
public final class GatewayApp {
    private final Vertx vertx;
    private final GatewayOptions options;
    private final GatewayCore core;
    private final GatewayConnection connection;
    private final GatewayMeters meters;
    private final GatewayApi api;
    private String mqttDeployment;
    private String httpDeployment;
    private GatewayVerticle mqtt;
    private HttpVerticle http;

    private final GatewayStore store;

    private GatewayApp(Vertx vertx, GatewayOptions options, GatewayStore store) {
        this.vertx = vertx;
        this.store = store;
        // The epoch: the store's counter when there is one (never repeats on these books), else a random one.
        long epoch = options.core().epoch() != GatewayConfig.EPOCH_UNSET ? options.core().epoch()
                : store != null ? store.epoch() : freshEpoch();
        this.options = options.core().epoch() == epoch ? options : options.withCore(options.core().withEpoch(epoch));
        this.core = new GatewayCore(this.options.core(), this.options.keyring(), Outbox.NONE);
        // Without books from an earlier process, a first sight of a device may be where that process stopped: invent no gap below it.
        if (store == null) core.baselineAtFirstSight();
        if (store != null) {
            long now = System.nanoTime();
            for (DeviceState device : store.devices()) core.restore(now, device.id(), device.commandSequence(), device.window());
        }
        // Live only: the jitter spreads gateways restarted together, so any seed that differs between processes will do.
        this.connection = new GatewayConnection(core, ConnectionPolicy.live(), System.nanoTime());
        this.meters = new GatewayMeters(core, connection);
        this.api = new GatewayApi(core, connection, meters, store != null);
    }

    /**
     * An epoch for a new gateway process without a durable store: a random non-zero u32 from the
     * system's strong source. Two processes then collide with probability 2^-32, and only a collision
     * together with a device still remembering a command of the same correlation id could confuse the
     * device's dedupe. With a store, the epoch is its counter ({@link GatewayStore#epoch}), incremented
     * and committed at every start.
     */
    public static long freshEpoch() {
        long epoch;
        do {
            epoch = new SecureRandom().nextInt() & 0xFFFF_FFFFL;
        } while (epoch == GatewayConfig.EPOCH_UNSET);
        return epoch;
    }

    /** Two event loops are plenty (the core is one loop's work), two workers, checker at 200 ms. */
    public static VertxOptions vertxOptions() {
        return new VertxOptions().setEventLoopPoolSize(2).setWorkerPoolSize(2)
                .setBlockedThreadCheckInterval(1_000).setBlockedThreadCheckIntervalUnit(TimeUnit.MILLISECONDS)
                .setMaxEventLoopExecuteTime(200).setMaxEventLoopExecuteTimeUnit(TimeUnit.MILLISECONDS)
                .setWarningExceptionTime(200).setWarningExceptionTimeUnit(TimeUnit.MILLISECONDS);
    }

    /** Deploys the MQTT and HTTP verticles with the books in memory only; completes once the HTTP server listens. */
    public static Future<GatewayApp> start(Vertx vertx, GatewayOptions options) {
        return start(vertx, options, null);
    }

    /**
     * Deploys the MQTT and HTTP verticles around books restored from {@code store} (null: in memory
     * only), committing to it before acknowledging; the caller opened the store and closes it after
     * {@link #close}.
     */
    public static Future<GatewayApp> start(Vertx vertx, GatewayOptions options, GatewayStore store) {
        GatewayApp app = new GatewayApp(vertx, options, store);
        return app.startMqtt().compose(v -> {
            app.http = new HttpVerticle(app.options, app.api);
            return vertx.deployVerticle(app.http);
        }).map(id -> {
            app.httpDeployment = id;
            return app;
        });
    }

    private Future<Void> startMqtt() {
        mqtt = new GatewayVerticle(options, core, connection, api, meters, store);
        return vertx.deployVerticle(mqtt).map(id -> {
            mqttDeployment = id;
            return null;
        });
    }

    /** Stops and starts the MQTT side again around the same core: what a gateway restart does to the broker session. */
    public Future<Void> restartMqtt() {
        return vertx.undeploy(mqttDeployment).compose(v -> startMqtt());
    }

    public Future<Void> stopMqtt() {
        return vertx.undeploy(mqttDeployment);
    }

    public Future<Void> startMqttAgain() {
        return startMqtt();
    }

    public int httpPort() {
        return http.port();
    }

    public GatewayOptions options() {
        return options;
    }

    /** The core, for tests: read it on its verticle's context (or once the gateway is quiet). */
    public GatewayCore core() {
        return core;
    }

    public boolean mqttConnected() {
        return mqtt != null && mqtt.isConnected();
    }

    /** The gateway's operations (devices, commands, health, stats, metrics), answered on the core's thread. */
    public GatewayApi api() {
        return api;
    }

    /** The gateway's meters (the test log reads the store's commit latency from them). */
    public GatewayMeters meters() {
        return meters;
    }

    /** The books as the summary prints them; call it once {@link #close} completed (the core is quiet then). */
    public io.vertx.core.json.JsonObject books() {
        return GatewayApi.books(core, "closed");
    }

    /** The epoch this process puts in its commands: the store's counter, or a random one without a store. */
    public long epoch() {
        return core.epoch();
    }

    /** The MQTT verticle of the moment (a restart makes a new one). */
    public GatewayVerticle mqtt() {
        return mqtt;
    }

    /** Stops HTTP, then MQTT gracefully: what was received is applied, committed and acknowledged; the rest stays with the broker. */
    public Future<Void> close() {
        Future<Void> h = httpDeployment == null ? Future.succeededFuture() : vertx.undeploy(httpDeployment);
        return h.compose(v -> mqttDeployment == null ? Future.<Void>succeededFuture() : vertx.undeploy(mqttDeployment).recover(e -> Future.succeededFuture()));
    }
}
