package dev.storyloop.stories.run;

import dev.storyloop.device.firmware.Device;
import dev.storyloop.device.firmware.FirmwareConfig;
import dev.storyloop.device.hal.LiveBoard;
import dev.storyloop.device.live.DeviceFleet;
import dev.storyloop.device.memory.BudgetExceededException;
import dev.storyloop.device.sim.SimWorld;
import dev.storyloop.device.live.LiveDevice;
import dev.storyloop.gateway.GatewayApp;
import dev.storyloop.protocol.CommandCode;
import dev.storyloop.gateway.GatewayOptions;
import dev.storyloop.gateway.api.GatewayApi;
import dev.storyloop.gateway.core.GatewayConfig;
import dev.storyloop.gateway.core.GatewayMetric;
import dev.storyloop.stories.proxy.FaultProxy;
import dev.storyloop.stories.proxy.LinkFaults;
import dev.storyloop.stories.proxy.ProxyCounters;
import dev.storyloop.stories.scenario.Scenario;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.eclipse.paho.client.mqttv3.MqttAsyncClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;

import java.net.URI;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * Runs one variant of a scenario live: the same firmware on real executors over Paho, a real
 * broker, and the Vert.x gateway, in real time. Every device (and the gateway, unless the scenario
 * puts it on the LAN) reaches the broker through a {@link FaultProxy} that realises the scenario's
 * network section as the simulated links do: latency, jitter, loss, bandwidth, partitions and the
 * heal. Broker restarts are realised when the runner controls the broker (SIGKILL at the restart's
 * time, started again on the same port after its down time); what the live world cannot realise
 * (load changes, power cuts, restarts of a broker it does not control, events past the live
 * duration) is listed in the result's {@code not_realised} metric rather than pretended. A variant
 * whose firmware does not fit its RAM is a result (boot failed, with the memory map's message), as
 * in the simulated world.
 */
public final class LiveRunner {
    static final long CONNECT_WAIT_MILLIS = 30_000; // the gateway's own connect to the broker
    /** The longest the books wait at the end for frames the broker acknowledged to reach the gateway. */
    static final long CATCH_UP_MILLIS = 5_000;
    static final String TOKEN = "live-runner-token-0123456789";
    static final long SECOND = 1_000_000_000L;

    private LiveRunner() {}

    public static RunResult run(Scenario scenario, Scenario.Variant variant, long seed, LiveBroker brokerChoice, long durationNanos) throws Exception {
        return run(scenario, variant, seed, brokerChoice, durationNanos, DeviceFleet.Settings.defaults());
    }

    /**
     * As {@link #run(Scenario, Scenario.Variant, long, LiveBroker, long)}, with the fleet's loop threads,
     * connects in flight and connect wait: a run whose devices do not all connect within the wait goes
     * on with those that did, and its results say how many connected and why the others did not.
     */
    public static RunResult run(Scenario scenario, Scenario.Variant variant, long seed, LiveBroker brokerChoice, long durationNanos,
                                DeviceFleet.Settings fleetSettings) throws Exception {
        scenario = scenario.world(variant); // the variant's sections merged over the scenario's
        Scenario.Firmware firmware = scenario.devices().firmware();
        String brokerUrl = brokerChoice.url();
        URI broker = URI.create(brokerUrl);
        Vertx vertx = Vertx.vertx(GatewayApp.vertxOptions());
        List<LiveDevice> devices = new ArrayList<>(); // the fleet's, in start order
        SortedMap<String, Object> metrics = new TreeMap<>();
        WillObserver wills = null;
        DeviceFleet devicesFleet = null;
        FaultProxy proxy = FaultProxy.start(broker.getHost(), broker.getPort(), seed);
        try {
            LinkFaults up = uplink(scenario.network());
            // Towards a client, Mosquitto queues what the socket cannot take in its own memory, as the simulated downlink models it.
            LinkFaults down = up.withHoldBytesMax((int) Math.max(scenario.network().sendBufferBytes(), SimWorld.BROKER_OUTGOING_BUFFER_BYTES));
            int gatewayPort = scenario.gateway().lan() ? broker.getPort() : proxy.open(GATEWAY_ROUTE, up, down);
            String gatewayHost = scenario.gateway().lan() ? broker.getHost() : "127.0.0.1";
            GatewayOptions options = GatewayOptions.local(gatewayHost, gatewayPort, TOKEN)
                    .withClientId("storyloop-live-" + variant.name() + "-" + seed)
                    .withCore(GatewayConfig.defaults().withMaxDevices(Math.max(GatewayConfig.defaults().maxDevices(), scenario.devices().count()))
                            .withIngest(GatewayConfig.defaults().ingestCapacity(),
                                    scenario.gateway().flowControl() ? GatewayConfig.defaults().flow() : GatewayConfig.Flow.off()));
            endSession(brokerUrl, options.clientId());
            GatewayApp gateway = GatewayApp.start(vertx, options).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
            // The gateway serves at once and subscribes when its MQTT connection is up; a device that
            // started before that would publish its first frames to nobody, counted missing at the gateway.
            long subscribedBy = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(CONNECT_WAIT_MILLIS);
            while (!"connected".equals(stats(gateway).getString("mqtt"))) {
                if (System.nanoTime() > subscribedBy) throw new IllegalStateException("the gateway did not connect to " + brokerUrl);
                Thread.sleep(20);
            }
            List<String> fleet = new ArrayList<>();
            for (int n = 1; n <= scenario.devices().count(); n++) fleet.add(scenario.devices().idOf(n));
            wills = WillObserver.start(brokerUrl, options.clientId() + "-wills", fleet);
            List<FirmwareConfig> configs = new ArrayList<>();
            for (int n = 1; n <= scenario.devices().count(); n++) {
                configs.add(SimRunner.firmwareConfig(scenario.devices().idOf(n), firmware, seed * 1_000_003L + n));
            }
            // The devices share a few loop threads and connect a bounded number at a time, all within one wait.
            // The devices reach the broker through one proxy route: the scenario's faults and partitions are the same for all.
            String route = "tcp://127.0.0.1:" + proxy.open(DEVICES_ROUTE, up, down);
            try {
                devicesFleet = DeviceFleet.start(configs, route, config -> LiveBoard.withSimulatedGpio(config.deviceId()),
                        (device, diagnostics) -> {}, fleetSettings);
            } catch (RuntimeException e) {
                BudgetExceededException overflow = e instanceof BudgetExceededException b ? b
                        : e.getCause() instanceof BudgetExceededException b ? b : null;
                if (overflow == null) throw e;
                // Every device runs the same firmware: the first that does not fit says it for all, as in the simulated run.
                metrics.put("boot_failed", 1L);
                metrics.put("boot_error", overflow.getMessage());
                gateway.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
                return new RunResult(variant.name(), metrics, List.of(), "live (not deterministic)", overflow.getMessage(), RunResult.NO_LATENCIES,
                        overflow.reservations(), overflow.budgetBytes());
            }
            devices.addAll(devicesFleet.devices());
            DeviceFleet.ConnectReport connects = devicesFleet.awaitConnected();
            System.err.printf("live run: %d of %d devices connected in %.1f s on %d loop thread(s), %d connecting at a time%n",
                    connects.connected(), connects.asked(), devicesFleet.sinceLaunchNanos() / 1e9, devicesFleet.loops().size(),
                    fleetSettings.connectsInFlight());
            if (!connects.all()) {
                System.err.printf("live run: %d of %d devices connected within %.0f s; running with them. Not connected: %s%n",
                        connects.connected(), connects.asked(), fleetSettings.connectWaitNanos() / 1e9, connects.describe());
            }
            long deadline = System.nanoTime() + fleetSettings.connectWaitNanos();
            // Every connected device in the gateway's registry, which only a device's first tagged frame puts it in
            // (a status does not), or the deadline passed.
            List<String> ids = devices.stream().filter(d -> d.device().isConnected()).map(d -> d.device().config().deviceId()).toList();
            while (!allKnown(gateway, ids)) {
                if (System.nanoTime() > deadline) {
                    // A device that has sent no frame yet (its uplink waits for a token, say) is not in the registry;
                    // the run starts without waiting for it, as the simulated run does, and commands to it are refused.
                    System.err.printf("live run: %d of %d devices in the gateway's registry after %.0f s; starting%n",
                            stats(gateway).getInteger("devices"), ids.size(), fleetSettings.connectWaitNanos() / 1e9);
                    break;
                }
                Thread.sleep(20);
            }
            metrics.put("live.devices_connected", (long) connects.connected());
            metrics.put("live.not_connected", connects.all() ? "" : connects.describe());
            long commandsTimer = -1;
            Scenario.Commands commands = scenario.gateway().commands();
            if (commands != null) {
                long every = commands.every().nanos();
                CommandCode code = CommandCode.ofName(commands.command());
                int argument = commands.argument() == null ? 1 : commands.argument();
                commandsTimer = vertx.setPeriodic(Math.max(1, every / 1_000_000L), id -> {
                    for (String device : ids) gateway.api().command(device, code, argument); // outcome counted by the core
                });
            }
            List<RunResult.Sample> series = new ArrayList<>();
            List<String> realised = runTimeline(scenario, brokerChoice, durationNanos, series, vertx, gateway, devices, proxy);
            wills.collect(metrics); // before the devices close: what the run did, not how it ended
            if (commandsTimer >= 0) vertx.cancelTimer(commandsTimer);
            // Outstanding commands end, acked or timed out; without commands the devices stop at the duration, as simulated ones do
            // (readings taken after it would count in the live books only).
            if (commands != null) Thread.sleep(options.core().commandTimeoutNanos() / 1_000_000L + 500);
            // The books are taken with the devices still running, as the simulated run takes them at its end: closing a device
            // first would count its held frames as dropped, its connection as gone and the proxy's held packets as lost.
            // Frames the broker acknowledged by the end are on their way to the gateway (the simulated world has them there
            // already when it is not partitioned); they are counted once they arrive, waiting at most CATCH_UP_MILLIS.
            long deliveredAtEnd = devices.stream().mapToLong(d -> d.device().stats().delivered()).sum();
            long catchUpBy = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(CATCH_UP_MILLIS);
            while (stats(gateway).getLong(GatewayMetric.RECEIVED.json()) < deliveredAtEnd && System.nanoTime() < catchUpBy) Thread.sleep(20);
            JsonObject stats = stats(gateway);
            java.util.Map<String, Long> receivedBy = new java.util.TreeMap<>();
            for (String id : ids) receivedBy.put(id, deviceReceived(gateway, id));
            collect(metrics, devices, stats, receivedBy, scenario, brokerChoice, durationNanos, realised);
            network(metrics, proxy.counters(null));
            FleetMetrics.series(metrics, series);
            devicesFleet.close();
            gateway.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
            // The gateway's persistent session would otherwise queue the next variant's telemetry at the broker until it drops it.
            endSession(brokerUrl, options.clientId());
            Device first = devices.get(0).device();
            return new RunResult(variant.name(), metrics, List.copyOf(series), "live (not deterministic)", first.budget().report(),
                    RunResult.NO_LATENCIES, first.budget().reservations(), first.budget().budgetBytes());
        } finally {
            if (devicesFleet != null) devicesFleet.close();
            if (wills != null) wills.close();
            try {
                vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
            } finally {
                proxy.close();
            }
        }
    }

    /**
     * Real time from the moment every device is known to the gateway: a sample of the fleet every
     * second, and the broker's restarts when the runner controls the broker. Returns what it realised.
     */
    private static List<String> runTimeline(Scenario scenario, LiveBroker broker, long durationNanos, List<RunResult.Sample> series,
                                            Vertx vertx, GatewayApp gateway, List<LiveDevice> liveDevices, FaultProxy proxy) throws Exception {
        record Step(long at, int order, String what, Runnable action) {}
        List<Device> devices = liveDevices.stream().map(LiveDevice::device).toList();
        List<Step> steps = new ArrayList<>();
        java.util.Map<String, Long> last = new java.util.TreeMap<>();
        for (long t = SECOND; t <= durationNanos; t += SECOND) {
            long at = t;
            steps.add(new Step(at, 0, "", () -> {
                JsonObject stats = statsOrNull(gateway);
                java.util.Map<String, Long> gauges = new java.util.TreeMap<>();
                // While the MQTT side (which owns the books) is stopped, the totals stand still and the gauges read 0.
                long received = stats == null ? last.getOrDefault("received", 0L) : stats.getLong(GatewayMetric.RECEIVED.json());
                gauges.put("gateway_backlog", stats == null ? 0L : stats.getLong(GatewayMetric.BACKLOG.json()));
                gauges.put("throttled", stats != null && stats.getBoolean(GatewayMetric.THROTTLED.json()) ? 1L : 0L);
                series.add(FleetMetrics.sample(at / 1e9, devices, java.util.Map.of("received", received), gauges, last));
            }));
        }
        if (broker.controllable()) {
            for (Scenario.Restart restart : scenario.broker().restarts()) {
                if (restart.at().nanos() >= durationNanos) continue;
                steps.add(new Step(restart.at().nanos(), 1, "broker restart at " + restart.at(), broker::kill));
                steps.add(new Step(Math.min(restart.at().nanos() + restart.down().nanos(), durationNanos), 1, "", broker::restart));
            }
        }
        for (Scenario.Partition stop : scenario.gateway().stops()) {
            if (stop.at().nanos() >= durationNanos) continue;
            steps.add(new Step(stop.at().nanos(), 1, "gateway stop at " + stop.at(), () -> await(gateway.stopMqtt())));
            steps.add(new Step(Math.min(stop.at().nanos() + stop.length().nanos(), durationNanos), 1, "", () -> await(gateway.startMqttAgain())));
        }
        // Partitions cut every device from the broker both ways, as in the simulated run (the gateway's link stays up).
        for (Scenario.Partition partition : scenario.network().partitions()) {
            if (partition.at().nanos() >= durationNanos) continue;
            steps.add(new Step(partition.at().nanos(), 1, "partition at " + partition.at() + " for " + partition.length(), () -> {
                proxy.partition(DEVICES_ROUTE, true, true, partition.length().nanos());
            }));
        }
        Scenario.Duration heals = scenario.network().healsAt();
        if (heals != null && heals.nanos() < durationNanos) {
            steps.add(new Step(heals.nanos(), 1, "network heals at " + heals, () -> proxy.healFaults(null)));
        }
        steps.sort(Comparator.comparingLong(Step::at).thenComparingInt(Step::order));
        List<String> realised = new ArrayList<>();
        long start = System.nanoTime();
        for (Step step : steps) {
            long wait = start + step.at() - System.nanoTime();
            if (wait > 0) TimeUnit.NANOSECONDS.sleep(wait);
            step.action().run();
            if (!step.what().isEmpty()) realised.add(step.what());
        }
        long rest = start + durationNanos - System.nanoTime();
        if (rest > 0) TimeUnit.NANOSECONDS.sleep(rest);
        return realised;
    }

    /**
     * Ends what an earlier run's gateway left on the broker under the same client id: its
     * persistent session would hand the new gateway that run's frames, whose sequence numbers the
     * new devices are about to use again (a clean-session connect discards a stored session).
     */
    static void endSession(String brokerUrl, String clientId) throws MqttException {
        MqttAsyncClient client = new MqttAsyncClient(brokerUrl, clientId, new MemoryPersistence());
        try {
            MqttConnectOptions connect = new MqttConnectOptions();
            connect.setCleanSession(true);
            connect.setConnectionTimeout(5);
            client.connect(connect).waitForCompletion(10_000);
            client.disconnect().waitForCompletion(5_000);
        } finally {
            client.close(true);
        }
    }

    private static void await(Future<Void> done) {
        try {
            done.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("the gateway did not stop or start its MQTT side", e);
        }
    }

    /** The gateway's stats, or null while its MQTT side (which owns the books) is stopped. */
    private static JsonObject statsOrNull(GatewayApp gateway) {
        try {
            return stats(gateway);
        } catch (Exception e) {
            if (e.getCause() instanceof GatewayApi.Refused refused && refused.status() == 503) return null;
            throw new IllegalStateException("the gateway did not answer its stats request", e);
        }
    }

    /** What the gateway's books say it received from one device (0 when it does not know the device). */
    private static long deviceReceived(GatewayApp gateway, String id) throws Exception {
        try {
            Long received = gateway.api().device(id).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS).getLong("received");
            return received == null ? 0 : received;
        } catch (ExecutionException unknown) {
            return 0;
        }
    }

    /** The gateway is connected and has each of these devices in its registry. */
    private static boolean allKnown(GatewayApp gateway, List<String> ids) throws Exception {
        if (!"connected".equals(stats(gateway).getString("mqtt"))) return false;
        for (String id : ids) {
            try {
                gateway.api().device(id).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
            } catch (ExecutionException unknown) {
                return false;
            }
        }
        return true;
    }

    private static JsonObject stats(GatewayApp gateway) throws Exception {
        return gateway.api().stats().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    private static void collect(SortedMap<String, Object> m, List<LiveDevice> devices, JsonObject gateway, java.util.Map<String, Long> receivedBy,
                                Scenario scenario,
                                LiveBroker broker, long durationNanos, List<String> realised) {
        long inboundDropped = 0;
        for (LiveDevice live : devices) inboundDropped += live.transport().inboundDropped();
        FleetMetrics.devices(m, devices.stream().map(LiveDevice::device).toList(), devices.stream().map(LiveDevice::diagnostics).toList(),
                id -> receivedBy.getOrDefault(id, 0L));
        m.put("world", "live");
        m.put("boot_failed", 0L);
        m.put("device.inbound_dropped", inboundDropped);
        long sent = gateway.getLong(GatewayMetric.COMMANDS_SENT.json());
        long timedOut = gateway.getLong(GatewayMetric.COMMANDS_TIMED_OUT.json());
        m.put("gateway.connected", "connected".equals(gateway.getString(GatewayMetric.MQTT.json())) ? 1L : 0L);
        m.put("gateway.received", gateway.getLong(GatewayMetric.RECEIVED.json()));
        m.put("gateway.missing", gateway.getLong(GatewayMetric.MISSING.json()));
        m.put("gateway.duplicates", gateway.getLong(GatewayMetric.DUPLICATES.json()));
        m.put("gateway.reordered", gateway.getLong(GatewayMetric.REORDERED.json()));
        m.put("gateway.peak_backlog", gateway.getLong(GatewayMetric.PEAK_BACKLOG.json()));
        m.put("gateway.throttles", gateway.getLong(GatewayMetric.THROTTLES.json()));
        m.put("gateway.rejected", gateway.getLong(GatewayMetric.REJECTED.json()));
        // Mosquitto's $SYS drop counter, as the gateway read it (since its first reading; the broker publishes it every sys_interval).
        m.put("broker.dropped", gateway.getLong(GatewayMetric.BROKER_DROPPED.json()));
        m.put("gateway.commands_sent", sent);
        m.put("gateway.commands_acked", gateway.getLong(GatewayMetric.COMMANDS_ACKED.json()));
        m.put("gateway.command_timeouts", timedOut);
        m.put("gateway.command_timeout_share", sent == 0 ? new NoData("no command was sent") : (Object) ((double) timedOut / sent));
        m.put("realised", String.join("; ", realised));
        List<String> notRealised = new ArrayList<>();
        for (Scenario.Partition partition : scenario.network().partitions()) {
            if (partition.at().nanos() >= durationNanos) notRealised.add("partition at " + partition.at() + " (past the live duration)");
        }
        if (scenario.network().healsAt() != null && scenario.network().healsAt().nanos() >= durationNanos) {
            notRealised.add("network heals at " + scenario.network().healsAt() + " (past the live duration)");
        }
        for (Scenario.Restart restart : scenario.broker().restarts()) {
            if (!broker.controllable()) notRealised.add("broker restart at " + restart.at() + " (the runner does not control the broker)");
            else if (restart.at().nanos() >= durationNanos) notRealised.add("broker restart at " + restart.at() + " (past the live duration)");
        }
        for (Scenario.Partition stop : scenario.gateway().stops()) {
            if (stop.at().nanos() >= durationNanos) notRealised.add("gateway stop at " + stop.at() + " (past the live duration)");
        }
        if (!scenario.load().isEmpty()) notRealised.add("load changes");
        // A live client cannot vanish like a board losing power: closing its socket sends a FIN, and the broker reacts at once.
        if (!scenario.devices().powerCuts().isEmpty()) notRealised.add("power cuts (a live socket closes with a FIN, not silently)");
        if ("spec".equals(scenario.broker().keepaliveCheck())) {
            notRealised.add("broker keepalive-check: spec (a real Mosquitto 2.0 checks keepalives its own way)");
        }
        m.put("not_realised", String.join("; ", notRealised));
    }

    /** The route name of the gateway's connection through the proxy (device ids never contain a space). */
    static final String GATEWAY_ROUTE = "the gateway";
    /** The route every device's connection takes through the proxy. */
    static final String DEVICES_ROUTE = "the devices";

    /** The scenario's links as the proxy realises them towards the broker (the simulated links' retransmission timeout). */
    static LinkFaults uplink(Scenario.Network net) {
        return new LinkFaults(net.latency().nanos(), net.jitter().nanos(), net.loss(), LinkFaults.RETRANSMIT_TIMEOUT_NANOS,
                net.bandwidthBytesPerSecond(), (int) net.sendBufferBytes());
    }

    /** What the fault proxy did, as metrics (its books are checked first: a proxy that lost count is a failed run). */
    private static void network(SortedMap<String, Object> m, ProxyCounters proxy) {
        proxy.checkBalance();
        m.put("network.lost_on_close", proxy.lostOnClose());
        m.put("network.retransmits", proxy.retransmits());
        m.put("network.held_by_partition", proxy.heldByPartition());
        m.put("network.pauses_at_bound", proxy.pausesAtBound());
    }
}
