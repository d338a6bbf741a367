package dev.storyloop.console;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The console's web server: one page (plain HTML, CSS and a little JavaScript) and the JSON behind
 * it, for a live device ({@link #live}) or a recorded trace ({@link #replay}).
 *
 * <p>Read-only: only GET is served, and nothing it serves changes the device. It binds 127.0.0.1
 * unless told otherwise; bound to any other address it requires a token (given, or made at random
 * and printed), passed as {@code ?token=} or {@code Authorization: Bearer}. A live page gets its
 * updates pushed as server-sent events, two a second, from at most {@link #STREAMS_MAX} pages at once.
 *
 * <p>It runs on Vert.x, which the gateway already uses; it lives in the stories module because the
 * device simulator must not depend on Vert.x (DESIGN.md: the simulated world reaches no web
 * framework), and the CLI that opens it is here.
 */
public final class ConsoleServer implements AutoCloseable {
    public static final int STREAMS_MAX = 16;
    /** The most live devices one page follows (a `device --count` above it shows the first ones). */
    public static final int DEVICES_MAX = 64;
    public static final long PUSH_EVERY_MILLIS = 500;
    public static final long TASKS_WAIT_MILLIS = 1_000;
    /** The only requests that are not GET: holding a simulated world still, which changes nothing it computes. */
    static final java.util.Set<String> CONTROL_PATHS = java.util.Set.of("/api/pause", "/api/resume");

    private final Vertx vertx;
    private final HttpServer server;
    private final String token;
    private final String host;

    private ConsoleServer(Vertx vertx, HttpServer server, String host, String token) {
        this.vertx = vertx;
        this.server = server;
        this.host = host;
        this.token = token;
    }

    /**
     * Serves the live view of {@code probes} (one per device); the list is read on every request, so
     * devices booted after the server started appear when added (use a concurrent list then).
     */
    public static ConsoleServer live(String host, int port, String token, String title, List<LiveProbe> probes) {
        return start(host, port, token, router -> liveRoutes(router, title, java.util.Collections.unmodifiableList(probes)));
    }

    /**
     * Serves a simulated run as it goes ({@code run --console}); besides GET, POST /api/pause and
     * /api/resume hold and release the world between two simulated seconds (the results do not change).
     */
    public static ConsoleServer sim(String host, int port, String token, String title, SimConsole sim) {
        return start(host, port, token, router -> simRoutes(router, title, sim));
    }

    /** Serves a recorded trace for scrubbing; the page opens at the first warning. */
    public static ConsoleServer replay(String host, int port, String token, String title, TraceIndex trace) {
        return replay(host, port, token, title, CompletableFuture.completedFuture(trace));
    }

    /**
     * Serves a trace that is still loading: the server starts while the trace is read (the two take
     * about as long), and the page waits for it (503 with Retry-After until then).
     */
    public static ConsoleServer replay(String host, int port, String token, String title, CompletableFuture<TraceIndex> loading) {
        return start(host, port, token, router -> replayRoutes(router, title, loading));
    }

    public int port() {
        return server.actualPort();
    }

    /** The page's address, with the token when one is required. */
    public String url() {
        String h = host.contains(":") ? "[" + host + "]" : host;
        return "http://" + h + ":" + port() + "/" + (token == null ? "" : "?token=" + token);
    }

    public String token() {
        return token;
    }

    @Override
    public void close() {
        try {
            vertx.close().toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            // Closing is best effort: the process is ending or the test is done.
        }
    }

    /** True for addresses only this machine can reach, where no token is asked for. */
    static boolean isLoopback(String host) {
        try {
            return InetAddress.getByName(host).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }

    /** The token a console on {@code host} asks for: the one given, a random one beyond loopback, or none. */
    static String requiredToken(String host, String given) {
        if (given != null) {
            if (given.isBlank()) throw new IllegalArgumentException("the console's token must not be blank");
            return given;
        }
        if (isLoopback(host)) return null;
        byte[] random = new byte[16];
        new SecureRandom().nextBytes(random);
        return HexFormat.of().formatHex(random);
    }

    private interface Routes {
        void add(Router router);
    }

    private static ConsoleServer start(String host, int port, String token, Routes routes) {
        Objects.requireNonNull(host, "host");
        if (port < 0 || port > 65_535) throw new IllegalArgumentException("port must be 0..65535, got " + port);
        String required = requiredToken(host, token);
        Vertx vertx = Vertx.vertx();
        Router router = Router.router(vertx);
        String expected = required;
        router.route().handler(ctx -> {
            boolean control = ctx.request().method() == HttpMethod.POST && CONTROL_PATHS.contains(ctx.request().path());
            if (ctx.request().method() != HttpMethod.GET && !control) {
                ctx.response().setStatusCode(405).putHeader("Allow", "GET").end("the console is read-only\n");
                return;
            }
            if (expected != null && !tokenMatches(ctx, expected)) {
                ctx.response().setStatusCode(401).end("a token is required: open the address the console printed\n");
                return;
            }
            ctx.next();
        });
        String page = resource("console/index.html");
        router.get("/").handler(ctx -> ctx.response().putHeader("Content-Type", "text/html; charset=utf-8")
                .putHeader("Cache-Control", "no-store").end(page));
        routes.add(router);
        try {
            HttpServer server = vertx.createHttpServer().requestHandler(router).listen(port, host)
                    .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
            return new ConsoleServer(vertx, server, host, required);
        } catch (Exception e) {
            vertx.close();
            throw new IllegalStateException("the console could not listen on " + host + ":" + port + ": " + e.getMessage(), e);
        }
    }

    private static boolean tokenMatches(RoutingContext ctx, String expected) {
        String given = ctx.request().getParam("token");
        String header = ctx.request().getHeader("Authorization");
        if (given == null && header != null && header.startsWith("Bearer ")) given = header.substring(7);
        return given != null && MessageDigest.isEqual(given.getBytes(StandardCharsets.UTF_8), expected.getBytes(StandardCharsets.UTF_8));
    }

    private static String resource(String path) {
        try (InputStream in = ConsoleServer.class.getClassLoader().getResourceAsStream(path)) {
            if (in == null) throw new IllegalStateException("missing resource " + path);
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read resource " + path, e);
        }
    }

    // ---- live -------------------------------------------------------------------------------

    private static void liveRoutes(Router router, String title, List<LiveProbe> probes) {
        AtomicInteger streams = new AtomicInteger();
        router.get("/api/meta").handler(ctx -> json(ctx, new JsonObject().put("mode", "live").put("title", title)
                .put("devices", new JsonArray(probes.stream().limit(DEVICES_MAX).map(LiveProbe::name).toList()))));
        router.get("/tasks").handler(ctx -> {
            probes.forEach(LiveProbe::watch);
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(TASKS_WAIT_MILLIS);
            answerWhenReady(ctx, probes, deadline);
        });
        router.get("/events").handler(ctx -> {
            HttpServerResponse response = openEventStream(ctx, streams);
            if (response == null) return;
            long[] lastWarning = new long[DEVICES_MAX];
            Vertx vertx = ctx.vertx();
            long timer = vertx.setPeriodic(PUSH_EVERY_MILLIS, id -> {
                probes.forEach(LiveProbe::watch);
                for (int i = 0; i < Math.min(probes.size(), DEVICES_MAX); i++) {
                    for (JsonObject w : probes.get(i).warningsAfter(lastWarning[i])) {
                        lastWarning[i] = w.getLong("seq");
                        response.write("event: warning\ndata: " + w.encode() + "\n\n");
                    }
                }
                response.write("event: snapshot\ndata: " + devices(probes).encode() + "\n\n");
            });
            response.closeHandler(v -> {
                vertx.cancelTimer(timer);
                streams.decrementAndGet();
            });
        });
    }

    private static void answerWhenReady(RoutingContext ctx, List<LiveProbe> probes, long deadlineNanos) {
        boolean ready = probes.stream().allMatch(p -> p.snapshot() != null);
        if (ready || System.nanoTime() - deadlineNanos > 0) {
            json(ctx, devices(probes));
            return;
        }
        ctx.vertx().setTimer(50, id -> answerWhenReady(ctx, probes, deadlineNanos));
    }

    private static JsonObject devices(List<LiveProbe> probes) {
        JsonArray devices = new JsonArray();
        JsonArray warnings = new JsonArray();
        for (LiveProbe probe : probes.subList(0, Math.min(probes.size(), DEVICES_MAX))) {
            JsonObject s = probe.snapshot();
            devices.add(s == null ? new JsonObject().put("name", probe.name()).put("tasks", new JsonArray()) : s);
            probe.warningsAfter(0).forEach(warnings::add);
        }
        return new JsonObject().put("mode", "live").put("devices", devices).put("warnings", warnings);
    }

    // ---- simulated run ----------------------------------------------------------------------

    private static void simRoutes(Router router, String title, SimConsole sim) {
        AtomicInteger streams = new AtomicInteger();
        router.get("/api/meta").handler(ctx -> json(ctx, new JsonObject().put("mode", "sim").put("title", title)));
        router.get("/tasks").handler(ctx -> json(ctx, sim.snapshot()));
        router.post("/api/pause").handler(ctx -> {
            sim.pause();
            json(ctx, new JsonObject().put("paused", true));
        });
        router.post("/api/resume").handler(ctx -> {
            sim.resume();
            json(ctx, new JsonObject().put("paused", false));
        });
        router.get("/events").handler(ctx -> {
            HttpServerResponse response = openEventStream(ctx, streams);
            if (response == null) return;
            long[] lastWarning = {0};
            Vertx vertx = ctx.vertx();
            long timer = vertx.setPeriodic(PUSH_EVERY_MILLIS, id -> {
                for (JsonObject w : sim.warningsAfter(lastWarning[0])) {
                    lastWarning[0] = w.getLong("seq");
                    response.write("event: warning\ndata: " + w.encode() + "\n\n");
                }
                response.write("event: snapshot\ndata: " + sim.devicesOnly().encode() + "\n\n");
            });
            response.closeHandler(v -> {
                vertx.cancelTimer(timer);
                streams.decrementAndGet();
            });
        });
    }

    // ---- replay -----------------------------------------------------------------------------

    /** What a replay serves once its trace is loaded: the metadata, and the answer at the first warning. */
    private record Prepared(TraceIndex trace, JsonObject meta, String opening) {
        static Prepared of(String title, TraceIndex trace) {
            JsonArray warnings = new JsonArray();
            for (TraceIndex.Warning w : trace.warnings()) {
                warnings.add(new JsonObject().put("event", w.event()).put("atNanos", w.atNanos()).put("kind", w.kind())
                        .put("device", w.executor()).put("task", w.task()).put("message", w.message()));
            }
            long first = trace.warnings().isEmpty() ? trace.startNanos() : trace.warnings().get(0).atNanos();
            JsonObject meta = new JsonObject().put("mode", "replay").put("title", title).put("startNanos", trace.startNanos())
                    .put("endNanos", trace.endNanos()).put("events", trace.events()).put("malformedLines", trace.malformedLines())
                    .put("warningCount", trace.warningCount()).put("warnings", warnings).put("openAtNanos", first);
            // The page's first question, answered as soon as the trace is in: opening pays the JSON layer's warm-up, not the first look.
            return new Prepared(trace, meta, at(trace, first).encode());
        }
    }

    private static void replayRoutes(Router router, String title, CompletableFuture<TraceIndex> loading) {
        CompletableFuture<Prepared> ready = loading.thenApply(trace -> Prepared.of(title, trace));
        router.get("/api/*").handler(ctx -> {
            // While the trace loads the page is told so and asks again; a trace that failed to load says why.
            if (!ready.isDone()) {
                ctx.response().setStatusCode(503).putHeader("Retry-After", "1").end("loading the trace\n");
            } else if (ready.isCompletedExceptionally()) {
                ctx.response().setStatusCode(500).end("the trace could not be loaded: " + ready.handle((p, e) -> e).join() + "\n");
            } else {
                ctx.next();
            }
        });
        router.get("/tasks").handler(ctx -> {
            if (!ready.isDone() || ready.isCompletedExceptionally()) {
                ctx.response().setStatusCode(503).putHeader("Retry-After", "1").end("loading the trace\n");
                return;
            }
            ctx.next();
        });
        router.get("/api/meta").handler(ctx -> json(ctx, ready.join().meta()));
        router.get("/tasks").handler(ctx -> {
            Prepared prepared = ready.join();
            String t = ctx.request().getParam("t");
            if (t == null) {
                ctx.response().putHeader("Content-Type", "application/json").putHeader("Cache-Control", "no-store").end(prepared.opening());
                return;
            }
            long at;
            try {
                at = Long.parseLong(t);
            } catch (NumberFormatException e) {
                ctx.response().setStatusCode(400).end("t must be an instant in nanoseconds of virtual time, got '" + t + "'\n");
                return;
            }
            // Scrubbing runs on a worker: a query walks up to one checkpoint's worth of events.
            ctx.vertx().executeBlocking(() -> at(prepared.trace(), at)).onComplete(r -> {
                if (r.succeeded()) json(ctx, r.result());
                else ctx.response().setStatusCode(500).end(String.valueOf(r.cause()));
            });
        });
    }

    /** The replay's state at {@code atNanos}, as the page shows it. */
    static JsonObject at(TraceIndex trace, long atNanos) {
        int event = trace.eventAt(atNanos);
        JsonArray tasks = new JsonArray();
        for (TraceIndex.TaskAt task : trace.tasksAfter(event)) {
            tasks.add(new JsonObject().put("device", task.executor()).put("task", task.task()).put("state", task.state())
                    .put("waitsOn", task.waitsOn()).put("wakerHolders", task.wakerHolders())
                    .put("noWaker", "PENDING".equals(task.state()) && task.wakerHolders() == 0)
                    .put("waitedS", "PENDING".equals(task.state()) ? (atNanos - task.sinceNanos()) / 1e9 : 0.0)
                    .put("polls", task.polls()));
        }
        return new JsonObject().put("mode", "replay").put("atNanos", atNanos).put("event", event)
                .put("at", String.format(Locale.ROOT, "%.6f s", atNanos / 1e9)).put("tasks", tasks);
    }

    private static void json(RoutingContext ctx, JsonObject body) {
        ctx.response().putHeader("Content-Type", "application/json").putHeader("Cache-Control", "no-store").end(body.encode());
    }

    /**
     * Opens a server-sent event stream, or answers 503 when {@link #STREAMS_MAX} pages are already open
     * (then null); the caller decrements {@code streams} when its stream ends.
     */
    private static HttpServerResponse openEventStream(RoutingContext ctx, AtomicInteger streams) {
        if (streams.incrementAndGet() > STREAMS_MAX) {
            streams.decrementAndGet();
            ctx.response().setStatusCode(503).end("too many console pages open (" + STREAMS_MAX + ")\n");
            return null;
        }
        HttpServerResponse response = ctx.response().setChunked(true)
                .putHeader("Content-Type", "text/event-stream").putHeader("Cache-Control", "no-store");
        response.write(": storyloop console\n\n");
        return response;
    }
}
