package dev.storyloop.gateway.http;

import dev.storyloop.gateway.GatewayOptions;
import dev.storyloop.gateway.api.GatewayApi;
import dev.storyloop.protocol.CommandCode;
import dev.storyloop.protocol.DeviceIds;
import io.micrometer.core.instrument.Counter;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.handler.SecurityPolicyHandler;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Locale;

/**
 * The gateway's HTTP API: devices, commands, health and Prometheus metrics.
 *
 * <p>It holds no state of the core: every request is one call of {@link GatewayApi}, which runs it
 * on the core's thread. Commands need {@code Authorization: Bearer <token>} (401 without, 403 with a
 * wrong one); bodies are limited to {@link #BODY_LIMIT_BYTES} (413); a body that is not one JSON
 * object (an array, a string, a form, nothing), a bad or missing field is 400 with the reason; a
 * method a resource does not serve is 405 with {@code Allow}; an unknown device is 404; a device with too many commands outstanding is 429;
 * a command the device did not acknowledge in time is 504. Every refused request is counted.
 */
public final class HttpVerticle extends VerticleBase {
    public static final int BODY_LIMIT_BYTES = 4096;

    private final GatewayOptions options;
    private final GatewayApi api;
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final byte[] token;
    private HttpServer server;

    public HttpVerticle(GatewayOptions options, GatewayApi api) {
        this.options = options;
        this.api = api;
        this.token = options.apiToken().getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public Future<?> start() {
        Router router = Router.router(vertx);
        router.get("/health").handler(this::health);
        router.get("/metrics").handler(this::metrics);
        router.get("/api/devices").handler(ctx -> answer(ctx, api.devices()));
        router.get("/api/stats").handler(ctx -> answer(ctx, api.stats()));
        router.get("/api/devices/:id").handler(ctx -> {
            String id = ctx.pathParam("id");
            if (!DeviceIds.isValid(id)) {
                refuse(ctx, 400, "bad device id: " + DeviceIds.rejection(id));
                return;
            }
            answer(ctx, api.device(id));
        });
        router.post("/api/devices/:id/commands").handler(new BearerToken())
                .handler(BodyHandler.create().setBodyLimit(BODY_LIMIT_BYTES).setHandleFileUploads(false))
                .handler(this::command);
        for (String path : new String[] {"/health", "/metrics", "/api/devices", "/api/stats", "/api/devices/:id"}) {
            router.route(path).handler(ctx -> methodNotAllowed(ctx, "GET"));
        }
        router.route("/api/devices/:id/commands").handler(ctx -> methodNotAllowed(ctx, "POST"));
        router.route().last().handler(ctx -> refuse(ctx, 404, "no such resource: " + ctx.request().path()));
        router.errorHandler(413, ctx -> refuse(ctx, 413, "body over " + BODY_LIMIT_BYTES + " bytes"));
        router.errorHandler(400, ctx -> refuse(ctx, 400, "bad request: the body must be one JSON object"));
        router.errorHandler(500, ctx -> refuse(ctx, 500, "internal error"));
        return vertx.createHttpServer().requestHandler(router).listen(options.httpPort(), options.httpHost())
                .onSuccess(listening -> server = listening);
    }

    /** The port the server listens on (useful with port 0). */
    public int port() {
        return server.actualPort();
    }

    /**
     * Checks the bearer token before the body is read (a security policy in vertx-web's handler
     * order, ahead of the body handler), so unauthenticated requests cost no body buffering.
     */
    private final class BearerToken implements SecurityPolicyHandler {
        @Override
        public void handle(RoutingContext ctx) {
            String header = ctx.request().getHeader("Authorization");
            if (header == null || !header.startsWith("Bearer ")) {
                ctx.response().putHeader("WWW-Authenticate", "Bearer");
                refuse(ctx, 401, "commands need 'Authorization: Bearer <token>'");
                return;
            }
            byte[] offered = header.substring("Bearer ".length()).getBytes(StandardCharsets.UTF_8);
            if (!MessageDigest.isEqual(offered, token)) { // constant time
                refuse(ctx, 403, "wrong token");
                return;
            }
            ctx.next();
        }
    }

    private void command(RoutingContext ctx) {
        String id = ctx.pathParam("id");
        if (!DeviceIds.isValid(id)) {
            refuse(ctx, 400, "bad device id: " + DeviceIds.rejection(id));
            return;
        }
        // The raw bytes, whatever the Content-Type says (curl -d sends JSON as a form): one JSON object or a 400.
        Buffer raw = ctx.body().buffer();
        Object parsed;
        try {
            parsed = raw == null || raw.length() == 0 ? null : Json.decodeValue(raw);
        } catch (DecodeException e) {
            refuse(ctx, 400, "bad JSON: " + e.getMessage());
            return;
        }
        if (!(parsed instanceof JsonObject body)) {
            refuse(ctx, 400, "a JSON object is required, e.g. {\"command\": \"blink\", \"argument\": 3}");
            return;
        }
        Object name = body.getValue("command");
        CommandCode code = name instanceof String ? CommandCode.ofName((String) name) : null;
        if (code == null) {
            refuse(ctx, 400, "\"command\" must be one of set-sample-period, set-overflow-policy, blink, reboot");
            return;
        }
        // Every command but reboot means something by its argument: leaving it out is a mistake, not a 0.
        if (!body.containsKey("argument") && code != CommandCode.REBOOT) {
            refuse(ctx, 400, "\"argument\" is required for " + name);
            return;
        }
        Object argument = body.getValue("argument", 0);
        if (!(argument instanceof Integer)) {
            refuse(ctx, 400, "\"argument\" must be a 32-bit integer");
            return;
        }
        api.command(id, code, (Integer) argument)
                .onSuccess(result -> {
                    boolean acked = "ACKED".equals(result.getString("outcome"));
                    if (!acked) count(504);
                    json(ctx, acked ? 200 : 504, result);
                })
                .onFailure(error -> failed(ctx, error));
    }

    private void methodNotAllowed(RoutingContext ctx, String allowed) {
        ctx.response().putHeader("Allow", allowed);
        refuse(ctx, 405, ctx.request().method() + " is not served here; allowed: " + allowed);
    }

    private void health(RoutingContext ctx) {
        api.health()
                .onSuccess(health -> json(ctx, "connected".equals(health.getString("mqtt")) ? 200 : 503, health))
                .onFailure(error -> failed(ctx, error));
    }

    private void metrics(RoutingContext ctx) {
        api.metrics()
                .onSuccess(scrape -> ctx.response().putHeader("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
                        .end(scrape + registry.scrape()))
                .onFailure(error -> failed(ctx, error));
    }

    private void answer(RoutingContext ctx, Future<JsonObject> answer) {
        answer.onSuccess(body -> json(ctx, 200, body)).onFailure(error -> failed(ctx, error));
    }

    private void failed(RoutingContext ctx, Throwable error) {
        if (error instanceof GatewayApi.Refused refused) {
            refuse(ctx, refused.status(), refused.getMessage());
            return;
        }
        refuse(ctx, 503, "the gateway core did not answer: " + error.getMessage());
    }

    private void refuse(RoutingContext ctx, int status, String message) {
        count(status);
        json(ctx, status, new JsonObject().put("error", message));
    }

    private void count(int status) {
        Counter.builder("storyloop.http.refused").tag("status", Integer.toString(status)).register(registry).increment();
    }

    private static void json(RoutingContext ctx, int status, JsonObject body) {
        if (ctx.response().ended()) return;
        ctx.response().setStatusCode(status).putHeader("Content-Type", "application/json").end(body.encode());
    }
}
