package dev.storyloop.stories.run;

import dev.storyloop.device.firmware.Device;
import dev.storyloop.device.firmware.FirmwareConfig;
import dev.storyloop.device.hal.LiveBoard;
import dev.storyloop.device.live.LiveDevice;
import dev.storyloop.gateway.GatewayApp;
import dev.storyloop.protocol.CommandCode;
import dev.storyloop.gateway.GatewayOptions;
import dev.storyloop.gateway.core.GatewayConfig;
import dev.storyloop.stories.scenario.Scenario;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * Runs one variant of a scenario live: the same firmware on real executors over Paho, a real
 * broker, and the Vert.x gateway, in real time. What the live world cannot realise (link latency,
 * loss, partitions, the broker's restarts on a broker it does not control) is listed in the
 * result's {@code not_realised} metric rather than pretended.
 */
public final class LiveRunner {
    static final long CONNECT_WAIT_MILLIS = 30_000;
    static final String TOKEN = "live-runner-token-0123456789";

    private LiveRunner() {}

    public static RunResult run(Scenario scenario, Scenario.Variant variant, long seed, String brokerUrl, long durationNanos) throws Exception {
        Scenario.Firmware firmware = scenario.devices().firmware().with(variant.firmware());
        URI broker = URI.create(brokerUrl);
        Vertx vertx = Vertx.vertx(GatewayApp.vertxOptions());
        List<LiveDevice> devices = new ArrayList<>();
        SortedMap<String, Object> metrics = new TreeMap<>();
        try {
            GatewayOptions options = GatewayOptions.local(broker.getHost(), broker.getPort(), TOKEN)
                    .withClientId("storyloop-live-" + variant.name() + "-" + seed)
                    .withCore(GatewayConfig.defaults().withMaxDevices(Math.max(16, scenario.devices().count()))
                            .withIngest(GatewayConfig.defaults().ingestCapacity(),
                                    scenario.gateway().flowControl() ? GatewayConfig.defaults().flow() : GatewayConfig.Flow.off()));
            GatewayApp gateway = GatewayApp.start(vertx, options).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
            for (int n = 1; n <= scenario.devices().count(); n++) {
                FirmwareConfig config = SimRunner.firmwareConfig(scenario.devices().idOf(n), firmware, seed * 1_000_003L + n);
                devices.add(LiveDevice.start(config, brokerUrl, LiveBoard.withSimulatedGpio(config.deviceId())));
            }
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(CONNECT_WAIT_MILLIS);
            // Every device subscribed and announced (a retained status from an earlier run is not enough), and known to the gateway.
            while (!devices.stream().allMatch(d -> d.device().isConnected()) || !allKnown(vertx, options, devices.size())) {
                if (System.nanoTime() > deadline) throw new IllegalStateException("the devices did not all reach the gateway");
                Thread.sleep(20);
            }
            long commandsTimer = -1;
            Scenario.Commands commands = scenario.gateway().commands();
            if (commands != null) {
                long every = variant.commandsEvery() != null ? variant.commandsEvery().nanos() : commands.every().nanos();
                JsonObject template = new JsonObject().put("command", CommandCode.ofName(commands.command()).name())
                        .put("argument", commands.argument() == null ? 1 : commands.argument());
                DeliveryOptions wait = new DeliveryOptions().setSendTimeout(options.core().commandTimeoutNanos() / 1_000_000L + 5_000);
                List<String> ids = devices.stream().map(d -> d.device().config().deviceId()).toList();
                commandsTimer = vertx.setPeriodic(Math.max(1, every / 1_000_000L), id -> {
                    for (String device : ids) {
                        vertx.eventBus().request(options.address("command"), template.copy().put("id", device), wait); // outcome counted by the core
                    }
                });
            }
            Thread.sleep(TimeUnit.NANOSECONDS.toMillis(durationNanos));
            if (commandsTimer >= 0) vertx.cancelTimer(commandsTimer);
            Thread.sleep(options.core().commandTimeoutNanos() / 1_000_000L + 500); // outstanding commands end: acked or timed out
            for (LiveDevice device : devices) device.close();
            Thread.sleep(500);
            JsonObject stats = stats(vertx, options);
            collect(metrics, devices, stats, scenario);
            gateway.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        } finally {
            for (LiveDevice device : devices) device.close();
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
        return new RunResult(variant.name(), metrics, List.of(), "live (not deterministic)", "", RunResult.NO_LATENCIES, List.of(), 0);
    }

    private static boolean allKnown(Vertx vertx, GatewayOptions options, int count) throws Exception {
        JsonObject stats = stats(vertx, options);
        return "connected".equals(stats.getString("mqtt")) && stats.getInteger("devices") >= count;
    }

    private static JsonObject stats(Vertx vertx, GatewayOptions options) throws Exception {
        return vertx.eventBus().<JsonObject>request(options.address("stats"), new JsonObject(), new DeliveryOptions().setSendTimeout(5_000))
                .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS).body();
    }

    private static void collect(SortedMap<String, Object> m, List<LiveDevice> devices, JsonObject gateway, Scenario scenario) {
        long sampled = 0, delivered = 0, dropped = 0, requests = 0, abandoned = 0, lost = 0, longPolls = 0, failures = 0, inboundDropped = 0;
        String lostTask = "", longPollTask = "";
        for (LiveDevice live : devices) {
            Device d = live.device();
            sampled += d.stats().sampled();
            delivered += d.stats().delivered();
            dropped += d.dropped();
            requests += d.stats().requests();
            abandoned += d.stats().requestsAbandoned();
            lost += live.diagnostics().lostWakerCount();
            failures += d.executor().failures();
            inboundDropped += live.transport().inboundDropped();
            longPolls += live.diagnostics().longPollCount();
            if (lostTask.isEmpty() && !live.diagnostics().lostWakers().isEmpty()) lostTask = live.diagnostics().lostWakers().get(0).task();
            if (longPollTask.isEmpty() && !live.diagnostics().longPolls().isEmpty()) longPollTask = live.diagnostics().longPolls().get(0).task();
        }
        m.put("world", "live");
        m.put("device.sampled", sampled);
        m.put("device.delivered", delivered);
        m.put("device.dropped", dropped);
        m.put("device.requests", requests);
        m.put("device.requests_abandoned", abandoned);
        m.put("lost_waker_reports", lost);
        m.put("device.task_failures", failures);
        m.put("device.inbound_dropped", inboundDropped);
        m.put("lost_waker_task", lostTask);
        m.put("long_poll_reports", longPolls);
        m.put("long_poll_task", longPollTask);
        long sent = gateway.getLong("commandsSent");
        m.put("gateway.received", gateway.getLong("received"));
        m.put("gateway.missing", gateway.getLong("missing"));
        m.put("gateway.duplicates", gateway.getLong("duplicates"));
        m.put("gateway.rejected", gateway.getLong("rejected"));
        m.put("gateway.commands_sent", sent);
        m.put("gateway.commands_acked", gateway.getLong("commandsAcked"));
        m.put("gateway.command_timeouts", gateway.getLong("commandsTimedOut"));
        m.put("gateway.command_timeout_share", sent == 0 ? 0.0 : (double) gateway.getLong("commandsTimedOut") / sent);
        List<String> notRealised = new ArrayList<>();
        if (scenario.network().latency().nanos() > 0 || scenario.network().loss() > 0 || scenario.network().bandwidthBytesPerSecond() > 0) {
            notRealised.add("network latency, loss and bandwidth (the live links are what they are)");
        }
        if (!scenario.network().partitions().isEmpty()) notRealised.add("partitions");
        if (!scenario.broker().restarts().isEmpty()) notRealised.add("broker restarts");
        if (!scenario.load().isEmpty()) notRealised.add("load changes");
        m.put("not_realised", String.join("; ", notRealised));
    }
}
