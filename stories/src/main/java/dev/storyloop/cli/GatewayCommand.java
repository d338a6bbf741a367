package dev.storyloop.cli;

import dev.storyloop.gateway.GatewayApp;
import dev.storyloop.gateway.GatewayOptions;
import dev.storyloop.gateway.core.GatewayConfig;
import dev.storyloop.gateway.core.Keyring;
import dev.storyloop.gateway.store.GatewayStore;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

/**
 * {@code storyloop gateway}: the Vert.x gateway against a broker, with its HTTP API, until Ctrl-C
 * (SIGINT) or SIGTERM; either stops it gracefully (intake stops, what was received is applied and
 * acknowledged) before the summary prints the books.
 */
@Command(name = "gateway", mixinStandardHelpOptions = true,
        description = "Runs the gateway: MQTT in from the fleet, the HTTP API and Prometheus metrics out, until Ctrl-C.")
final class GatewayCommand implements Callable<Integer> {
    static final long START_WAIT_SECONDS = 30;
    static final long CLOSE_WAIT_SECONDS = 15; // under Foreground's exit wait, so the summary prints before the JVM goes

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--broker", required = true, description = "Broker URL, e.g. tcp://127.0.0.1:1883.")
    String broker;

    @Option(names = "--http-host", defaultValue = "127.0.0.1", description = "Address the HTTP API listens on (default: ${DEFAULT-VALUE}).")
    String httpHost;

    @Option(names = "--http-port", defaultValue = "8080", description = "HTTP port; 0 picks a free one (default: ${DEFAULT-VALUE}).")
    int httpPort;

    @Option(names = "--token-file", required = true, description = "File holding the API bearer token (at least 16 characters).")
    Path tokenFile;

    @Option(names = "--keys", description = "Keys file: one '<device-id> <hex key>' per line.")
    Path keysFile;

    @Option(names = "--fleet-secret-file", description = "File holding the fleet secret that derives device keys.")
    Path fleetSecretFile;

    @Option(names = "--dev-fleet", description = "Accept the public development fleet's keys (demos only).")
    boolean devFleet;

    @Option(names = "--mqtt-user", description = "Broker user name (see the broker ACL in gateway/README.md).")
    String mqttUser;

    @Option(names = "--mqtt-password-file", description = "File holding the broker password.")
    Path mqttPasswordFile;

    @Option(names = "--max-devices", defaultValue = "10000", description = "Registry cap (default: ${DEFAULT-VALUE}).")
    int maxDevices;

    @Option(names = "--no-flow-control", description = "Never ask devices to slow down (stories show the broker dropping instead).")
    boolean noFlowControl;

    @Option(names = "--throttle-rate", defaultValue = "0", description = "Frames per second each device may send while the gateway"
            + " throttles (0: none, devices hold their frames until released; default: ${DEFAULT-VALUE}). Drops the gateway only sees"
            + " as gaps or in the broker's counter throttle devices only when this is above 0: pausing them would make the broker drop more.")
    double throttleRatePerSecond;

    @Option(names = "--client-id", defaultValue = GatewayOptions.CLIENT_ID_DEFAULT, description = "The gateway's MQTT client id"
            + " (default: ${DEFAULT-VALUE}). Its persistent session holds the frames published while it is away: every gateway"
            + " process of one deployment uses the same id, and no other client may (the broker hands the session to the newest"
            + " connection with that id).")
    String clientId;

    @Option(names = "--evict-after", defaultValue = "24h", converter = Units.DurationNanos.class,
            description = "Forget a device silent this long (default: ${DEFAULT-VALUE}); its next signed frame registers it again.")
    long evictAfterNanos;

    @Option(names = "--status-every", defaultValue = "10s", converter = Units.DurationNanos.class,
            description = "Status line interval (default: ${DEFAULT-VALUE}).")
    long statusNanos;

    @Option(names = "--duration", converter = Units.DurationNanos.class, description = "Stop after this long instead of waiting for Ctrl-C.")
    Long durationNanos;

    @Option(names = "--store", description = "Durable books (sequence windows, command sequences, the gateway epoch) in this file,"
            + " created when missing; an unreadable file stops the gateway with an error. Without it the books live in memory only.")
    Path storeFile;

    @Override
    public Integer call() throws Exception {
        GatewayOptions options = options();
        PrintWriter out = spec.commandLine().getOut();
        GatewayStore store = null;
        if (storeFile != null) {
            try {
                store = GatewayStore.open(storeFile);
            } catch (GatewayStore.StoreException e) {
                spec.commandLine().getErr().println("storyloop gateway: " + e.getMessage());
                spec.commandLine().getErr().flush();
                return 1;
            }
            out.printf("storyloop gateway: %s store %s, epoch %d, %d devices' books%n", store.created() ? "new" : "restored",
                    storeFile, store.epoch(), store.devices().size());
        } else {
            out.println("storyloop gateway: no --store: the books live in memory and a restart forgets them");
        }
        Vertx vertx = Vertx.vertx(GatewayApp.vertxOptions());
        try (GatewayStore closing = store; Foreground foreground = new Foreground("storyloop-gateway-exit")) {
            try {
                GatewayApp app;
                try {
                    app = GatewayApp.start(vertx, options, store).toCompletionStage().toCompletableFuture().get(START_WAIT_SECONDS, TimeUnit.SECONDS);
                } catch (java.util.concurrent.ExecutionException e) {
                    spec.commandLine().getErr().println("storyloop gateway: could not start: " + e.getCause().getMessage());
                    spec.commandLine().getErr().flush();
                    return 1;
                }
                GatewayApp running = app;
                out.printf("storyloop gateway: MQTT %s:%d, HTTP API on http://%s:%d (GET /api/devices, /health, /metrics); Ctrl-C stops%n",
                        options.brokerHost(), options.brokerPort(), options.httpHost(), app.httpPort());
                out.flush();
                foreground.runUntilStopped(statusNanos, durationNanos, () -> {
                    out.println("status  " + status(running));
                    out.flush();
                });
                // The books close only once intake stopped and what was received is applied and acknowledged.
                app.close().toCompletionStage().toCompletableFuture().get(CLOSE_WAIT_SECONDS, TimeUnit.SECONDS);
                out.println("summary " + line(app.books()));
                out.flush();
                return 0;
            } finally {
                vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
            }
        }
    }

    private static String status(GatewayApp app) {
        try {
            return line(app.api().stats().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS));
        } catch (Exception e) {
            return "(no answer from the gateway core: " + e.getMessage() + ")";
        }
    }

    private static String line(JsonObject s) {
        JsonObject rejects = s.getJsonObject("rejects", new JsonObject());
        return String.format("mqtt %s devices %d received %d missing %d duplicates %d rejected %d (replay %d) backlog %d commands %d/%d acked, %d timed out",
                s.getString("mqtt"), s.getInteger("devices"), s.getLong("received"), s.getLong("missing"), s.getLong("duplicates"),
                s.getLong("rejected"), rejects.getLong("replay", 0L), s.getInteger("backlog"), s.getLong("commandsAcked"), s.getLong("commandsSent"),
                s.getLong("commandsTimedOut"));
    }

    private GatewayOptions options() {
        CommandLine cli = spec.commandLine();
        URI uri;
        try {
            uri = new URI(broker);
        } catch (URISyntaxException e) {
            throw new CommandLine.ParameterException(cli, "--broker is not a URL: " + e.getMessage());
        }
        if (!"tcp".equals(uri.getScheme()) || uri.getHost() == null) {
            throw new CommandLine.ParameterException(cli, "--broker must be tcp://HOST:PORT, got '" + broker + "'");
        }
        int port = uri.getPort() < 0 ? 1883 : uri.getPort();
        if (httpPort < 0 || httpPort > 65_535) throw new CommandLine.ParameterException(cli, "--http-port must be 0..65535");
        if (maxDevices < 1 || maxDevices > 10_000_000) throw new CommandLine.ParameterException(cli, "--max-devices must be 1..10000000");
        if (statusNanos < 100_000_000L) throw new CommandLine.ParameterException(cli, "--status-every must be at least 100ms");
        String token = readSecret(cli, tokenFile, "--token-file");
        if (token.length() < 16) throw new CommandLine.ParameterException(cli, "--token-file: the token needs at least 16 characters");
        if ((mqttUser == null) != (mqttPasswordFile == null)) throw new CommandLine.ParameterException(cli, "--mqtt-user and --mqtt-password-file go together");
        if (keysFile == null && fleetSecretFile == null && !devFleet) {
            throw new CommandLine.ParameterException(cli, "device keys are needed: --keys, --fleet-secret-file, or --dev-fleet for demos");
        }
        byte[] secret = fleetSecretFile != null ? readSecret(cli, fleetSecretFile, "--fleet-secret-file").getBytes(StandardCharsets.UTF_8)
                : devFleet ? dev.storyloop.protocol.DeviceKeys.DEVELOPMENT_FLEET_SECRET : null;
        Keyring keyring;
        try {
            keyring = keysFile != null ? Keyring.file(keysFile, secret) : Keyring.fleet(secret);
        } catch (IOException e) {
            throw new CommandLine.ParameterException(cli, "--keys: cannot read " + keysFile + ": " + e.getMessage());
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(cli, "--keys: " + e.getMessage());
        }
        if (!(throttleRatePerSecond >= 0 && throttleRatePerSecond <= 1_000_000)) {
            throw new CommandLine.ParameterException(cli, "--throttle-rate must be 0..1000000 frames per second");
        }
        if (noFlowControl && throttleRatePerSecond > 0) throw new CommandLine.ParameterException(cli, "--throttle-rate needs flow control on");
        if (evictAfterNanos < 60_000_000_000L) throw new CommandLine.ParameterException(cli, "--evict-after must be at least 1m");
        GatewayConfig core = GatewayConfig.defaults().withMaxDevices(maxDevices).withEvictAfter(evictAfterNanos);
        GatewayConfig.Flow flow = core.flow();
        if (noFlowControl) {
            flow = GatewayConfig.Flow.off();
        } else if (throttleRatePerSecond > 0) {
            long milliHz = Math.max(1, Math.round(throttleRatePerSecond * 1_000));
            flow = new GatewayConfig.Flow(true, flow.highWatermark(), flow.lowWatermark(), milliHz);
        }
        core = core.withIngest(core.ingestCapacity(), flow);
        if (!clientId.matches("[A-Za-z0-9_-]{1,64}")) throw new CommandLine.ParameterException(cli, "--client-id must be 1-64 characters of [A-Za-z0-9_-]");
        GatewayOptions options = GatewayOptions.local(uri.getHost(), port, token).withHttp(httpHost, httpPort).withKeyring(keyring).withCore(core)
                .withClientId(clientId);
        if (mqttUser != null) options = options.withCredentials(mqttUser, readSecret(cli, mqttPasswordFile, "--mqtt-password-file"));
        return options;
    }

    private static String readSecret(CommandLine cli, Path file, String option) {
        try {
            if (Files.size(file) > 4096) throw new CommandLine.ParameterException(cli, option + ": " + file + " is over 4 KiB; expected one line");
            return Files.readString(file, StandardCharsets.UTF_8).strip();
        } catch (IOException e) {
            throw new CommandLine.ParameterException(cli, option + ": cannot read " + file + ": " + e.getMessage());
        }
    }
}
