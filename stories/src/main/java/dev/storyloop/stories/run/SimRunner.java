package dev.storyloop.stories.run;

import dev.storyloop.device.chan.OverflowPolicy;
import dev.storyloop.device.diag.Diagnostics;
import dev.storyloop.device.diag.TraceRecorder;
import dev.storyloop.device.diag.TraceStream;
import dev.storyloop.device.firmware.Device;
import dev.storyloop.device.firmware.FirmwareConfig;
import dev.storyloop.device.firmware.LoopStyle;
import dev.storyloop.device.hal.SimBoard;
import dev.storyloop.device.memory.BudgetExceededException;
import dev.storyloop.device.sim.BrokerLimits;
import dev.storyloop.device.sim.Distribution;
import dev.storyloop.device.sim.DropReason;
import dev.storyloop.device.sim.KeepaliveCheck;
import dev.storyloop.device.sim.LinkProfile;
import dev.storyloop.device.sim.SimTransport;
import dev.storyloop.device.sim.SimWorld;
import dev.storyloop.device.time.VirtualClock;
import dev.storyloop.gateway.core.GatewayConfig;
import dev.storyloop.gateway.core.GatewayCore;
import dev.storyloop.gateway.core.Keyring;
import dev.storyloop.gateway.core.Outbox;
import dev.storyloop.protocol.CommandCode;
import dev.storyloop.stories.scenario.Scenario;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Runs one variant of a scenario in the simulated world: the devices' firmware on their
 * executors, the simulated broker and links, and the gateway core, on one virtual clock and one
 * seeded PRNG. The same scenario and seed give the same metrics and the same digest.
 */
public final class SimRunner {
    static final long SECOND = 1_000_000_000L;
    /**
     * The firmware's defaults, built once: building a configuration derives the device's key (an
     * HMAC), and doing it twice per device was the largest part of booting a fleet of 100,000.
     */
    private static final FirmwareConfig FIRMWARE_DEFAULTS = FirmwareConfig.builder("defaults").build();

    /**
     * From this many devices, the runner may ask the JVM for a full collection twice during the boot:
     * once the devices are built, and again at the end of the first simulated second, when each has
     * connected and sent its first reading. A full collection slides every live object down in the
     * order it was made, so each device's objects stay next to each other, where a young collection
     * copies them breadth first: every device's executor together, then every device's task slots,
     * and so on, which puts the dozens of objects a reading touches on as many pages. It asks only
     * when the JVM has not collected since the run began or since the last step ({@link Compactor}):
     * after a young collection the order of what came before is lost already, and a full one would
     * only cost. (A second step after a skipped first keeps the first second's order only; nothing
     * measured says whether that pays.) With a young generation large enough to hold the boot between
     * the two (the fleet benchmark's), the whole fleet ends up in the order it was built. Measured on
     * {@code bench/virtual-fleet 100000 1m 1h} (bench/README.md); stories and swarms, with a few
     * devices, never pay for it. The digest does not depend on it: no run reads the heap's layout.
     * {@code -XX:+DisableExplicitGC} turns it off.
     */
    static final int COMPACT_FROM_DEVICES = 10_000;

    private SimRunner() {}

    /** Told how a run advances: simulated seconds done of the total, and world events so far. */
    public interface Progress {
        Progress NONE = (variant, done, total, events) -> {};

        void update(String variant, double simulatedSeconds, double totalSeconds, long events);

        /**
         * After each simulated second, on the world's thread, between steps: the devices and their
         * diagnostics may be read here (the console of {@code run --console}); blocking here pauses the run.
         */
        default void stepped(String variant, long nowNanos, List<Device> devices, List<Diagnostics> diagnostics) {}
    }

    public static RunResult run(Scenario scenario, Scenario.Variant variant, long seed) {
        return run(scenario, variant, seed, Progress.NONE);
    }

    public static RunResult run(Scenario scenario, Scenario.Variant variant, long seed, Progress progress) {
        return run(scenario, variant, seed, progress, null);
    }

    /**
     * As {@link #run(Scenario, Scenario.Variant, long, Progress)}, writing every device's trace lines,
     * in the order they happen, to {@code traceSink} (null: digests only). The digest is the same either way.
     */
    public static RunResult run(Scenario scenario, Scenario.Variant variant, long seed, Progress progress, Appendable traceSink) {
        return run(scenario, variant, seed, progress, traceSink, SECOND);
    }

    /**
     * As {@link #run(Scenario, Scenario.Variant, long, Progress, Appendable)}, taking the series every
     * {@code seriesPeriodNanos} of simulated time instead of every second. A sample walks every device
     * and every broker session, so a fleet of 100,000 sampled each second pays more for its series than
     * for its readings; the fleet benchmark, which plots nothing, samples once a minute. The
     * {@code *_rate_peak} and {@code throughput_peak} metrics are then per period, not per second.
     */
    public static RunResult run(Scenario scenario, Scenario.Variant variant, long seed, Progress progress, Appendable traceSink,
                                long seriesPeriodNanos) {
        if (seriesPeriodNanos < SECOND || seriesPeriodNanos % SECOND != 0) {
            throw new IllegalArgumentException("the series period must be a whole number of seconds, not " + seriesPeriodNanos + " ns");
        }
        scenario = scenario.world(variant); // the variant's sections merged over the scenario's
        Scenario.Firmware firmware = scenario.devices().firmware();
        Scenario.Network net = scenario.network();
        LinkProfile link = LinkProfile.lan().withLatency(Distribution.constant(net.latency().nanos())).withJitter(net.jitter().nanos())
                .withLoss(net.loss());
        link = link.withBandwidth(net.bandwidthBytesPerSecond(), (int) net.sendBufferBytes());
        KeepaliveCheck keepaliveCheck = "spec".equals(scenario.broker().keepaliveCheck()) ? KeepaliveCheck.SPEC : KeepaliveCheck.mosquitto(seed);
        SimWorld world = new SimWorld(seed, new BrokerLimits(scenario.broker().maxInflight(), scenario.broker().maxQueued(), false),
                keepaliveCheck, link, new VirtualClock(), eventCapacity(scenario.devices().count()));
        GatewayConfig gatewayConfig = GatewayConfig.defaults()
                .withEpoch(1) // one simulated gateway process; a fixed epoch keeps the run's bytes the same for the same seed
                .withMaxDevices(Math.max(16, scenario.devices().count()))
                .withStale(firmware.period() == null ? SECOND : firmware.period().nanos(), scenario.gateway().stalePeriods());
        if (!scenario.gateway().flowControl()) gatewayConfig = gatewayConfig.withIngest(gatewayConfig.ingestCapacity(), GatewayConfig.Flow.off());
        if (scenario.gateway().lan()) world.profile(SimGateway.CLIENT_ID, LinkProfile.lan());
        SimGateway gateway = new SimGateway(world, new GatewayCore(gatewayConfig, Keyring.development(), Outbox.NONE),
                scenario.gateway().costPerFrame().nanos());
        world.runFor(20_000_000L); // the gateway is subscribed before the devices boot

        SortedMap<String, Object> metrics = new TreeMap<>();
        Compactor compactor = scenario.devices().count() >= COMPACT_FROM_DEVICES ? Compactor.ofThisJvm() : null; // before the build
        List<Device> devices = new ArrayList<>();
        List<SimTransport> transports = new ArrayList<>();
        List<Diagnostics> diagnostics = new ArrayList<>();
        TraceStream trace = TraceStream.shared(null); // every device's records in the order they happen, one digest
        String memoryMap = "";
        for (int n = 1; n <= scenario.devices().count(); n++) {
            FirmwareConfig config = firmwareConfig(scenario.devices().idOf(n), firmware, seed * 1_000_003L + n);
            SimTransport transport = new SimTransport(world, config.deviceId());
            Device device;
            try {
                device = Device.boot(config, world.clock(), transport, new SimBoard(world.clock()));
            } catch (BudgetExceededException e) {
                metrics.put("boot_failed", 1L);
                metrics.put("boot_error", e.getMessage());
                return new RunResult(variant.name(), metrics, List.of(), digest(List.of(), metrics), e.getMessage(), RunResult.NO_LATENCIES,
                        e.reservations(), e.budgetBytes());
            }
            if (n == 1) memoryMap = device.budget().report();
            Diagnostics diag = Diagnostics.attach(device.executor());
            diagnostics.add(diag);
            TraceRecorder recorder = new TraceRecorder(trace, config.deviceId(), traceSink);
            device.executor().addObserver(recorder);
            recorder.recordReports(diag); // warnings go into the digest whether or not the lines are kept
            world.add(device.executor(), transport);
            device.start();
            devices.add(device);
            transports.add(transport);
        }
        if (compactor != null) compactor.step(); // the devices as built
        long start = world.nowNanos();
        for (Scenario.Partition partition : net.partitions()) {
            world.at(start + partition.at().nanos(), () -> {
                for (Device d : devices) world.partition(d.config().deviceId(), world.nowNanos() + partition.length().nanos(), true, true);
            });
        }
        PowerCuts powerCuts = new PowerCuts(world, gateway.core(), start + scenario.duration().nanos());
        powerCuts.schedule(scenario.devices().powerCuts(), start, devices, transports);
        if (net.healsAt() != null) world.at(start + net.healsAt().nanos(), world::healNetwork);
        for (Scenario.Restart restart : scenario.broker().restarts()) {
            world.at(start + restart.at().nanos(), world::crashBroker);
            world.at(start + restart.at().nanos() + restart.down().nanos(), world::restartBroker);
        }
        for (Scenario.Partition stop : scenario.gateway().stops()) {
            world.at(start + stop.at().nanos(), gateway::stop);
            world.at(start + stop.at().nanos() + stop.length().nanos(), gateway::start);
        }
        Scenario.Commands commands = scenario.gateway().commands();
        if (commands != null) {
            CommandCode code = CommandCode.ofName(commands.command());
            int argument = commands.argument() == null ? 1 : commands.argument();
            long every = commands.every().nanos();
            for (long t = every; t < scenario.duration().nanos(); t += every) {
                world.at(start + t, () -> {
                    for (Device d : devices) gateway.core().sendCommand(world.nowNanos(), d.config().deviceId(), code, argument);
                });
            }
        }
        for (Scenario.LoadChange change : scenario.load()) {
            world.at(start + change.at().nanos(), () -> devices.forEach(d -> d.samplePeriodNanos(change.period().nanos())));
        }
        List<RunResult.Sample> series = new ArrayList<>();
        Map<String, Long> last = new TreeMap<>();
        for (long t = seriesPeriodNanos; t <= scenario.duration().nanos(); t += seriesPeriodNanos) {
            long at = t;
            world.at(start + at, () -> series.add(sample(at / 1e9, devices, gateway, world, last)));
        }
        // In steps of one simulated second, so long runs can show their progress (the same events happen either way).
        double total = scenario.duration().nanos() / 1e9;
        for (long done = 0; done < scenario.duration().nanos(); done += SECOND) {
            long target = start + Math.min(done + SECOND, scenario.duration().nanos()); // absolute: a poll that spends time cannot stretch the run
            world.runUntil(() -> world.nowNanos() >= target, target);
            if (compactor != null && done == 0) compactor.step(); // the boot's connections and first readings, behind the devices
            progress.update(variant.name(), (target - start) / 1e9, total, world.eventsFired());
            progress.stepped(variant.name(), world.nowNanos(), devices, diagnostics);
        }

        powerCuts.collect(metrics);
        collect(metrics, devices, diagnostics, gateway, world, series);
        List<String> digests = List.of(trace.digestHex());
        Device first = devices.get(0);
        return new RunResult(variant.name(), metrics, List.copyOf(series), digest(digests, metrics), memoryMap,
                percentilesMs(gateway.publishLatency()), first.budget().reservations(), first.budget().budgetBytes());
    }

    /**
     * The world's event queue: the default up to 100,000 devices (so no story's run changes), then eight
     * events a device (its two links, its client's timers, the broker's for its session, with room to spare).
     * The queue's capacity bounds it and never orders it.
     */
    static int eventCapacity(int devices) {
        return (int) Math.max(SimWorld.EVENT_CAPACITY_DEFAULT, Math.min(Integer.MAX_VALUE / 2, 8L * devices));
    }

    /** One second of the simulated world: the devices' figures, the gateway's and the broker's. */
    private static RunResult.Sample sample(double seconds, List<Device> devices, SimGateway gateway, SimWorld world, Map<String, Long> last) {
        Map<String, Long> totals = new TreeMap<>();
        totals.put("received", gateway.core().receivedTotal());
        totals.put("broker_dropped", world.broker().stats().droppedTotal());
        for (DropReason reason : DropReason.values()) totals.put("broker_dropped." + reason.label(), world.broker().stats().dropped(reason));
        Map<String, Long> gauges = new TreeMap<>();
        gauges.put("gateway_backlog", (long) gateway.core().backlog());
        gauges.put("throttled", gateway.core().throttled() ? 1L : 0L);
        gauges.put("broker_held", (long) world.broker().inflight() + world.broker().queued());
        return FleetMetrics.sample(seconds, devices, totals, gauges, last);
    }

    static FirmwareConfig firmwareConfig(String id, Scenario.Firmware f, long seed) {
        FirmwareConfig.Builder b = FirmwareConfig.builder(id).seed(seed);
        FirmwareConfig defaults = FIRMWARE_DEFAULTS;
        if (f.period() != null) b.samplePeriodNanos(f.period().nanos());
        if (f.qos() != null) b.qos(f.qos());
        if (f.capacity() != null) b.uplinkCapacity(f.capacity());
        if (f.policy() != null) b.overflowPolicy(OverflowPolicy.parse(f.policy()));
        if (f.window() != null) b.uplinkWindow(f.window());
        if (f.ram() != null) b.ramBytes(f.ram().bytes());
        if (f.keepalive() != null) b.keepAliveSeconds((int) Math.max(1, f.keepalive().nanos() / SECOND));
        b.backoff(f.backoffBase() != null ? f.backoffBase().nanos() : defaults.backoffBaseNanos(),
                f.backoffCap() != null ? f.backoffCap().nanos() : defaults.backoffCapNanos(),
                f.jitter() != null ? f.jitter() : defaults.backoffJitter());
        b.tokenRefresh(f.tokenRefresh() != null ? f.tokenRefresh().nanos() : defaults.tokenRefreshPeriodNanos(),
                f.tokenLifetime() != null ? f.tokenLifetime().nanos() : defaults.tokenLifetimeNanos());
        b.hmacTiming(f.hmacFast() != null ? f.hmacFast().nanos() : defaults.hmacFastNanos(),
                f.hmacSourceOfTruth() != null ? f.hmacSourceOfTruth().nanos() : defaults.hmacSourceOfTruthNanos(),
                f.sourceOfTruthOneIn() != null ? f.sourceOfTruthOneIn() : defaults.sourceOfTruthOneIn());
        if (f.hmacInline() != null) b.hmacInline(f.hmacInline());
        if (f.refreshLosesWake() != null) b.refreshLosesWake(f.refreshLosesWake());
        if (f.lastWill() != null) b.lastWill(f.lastWill());
        if (f.requestSigning() != null) {
            b.requestSigning(f.requestSigning(), f.requestSlots() != null ? f.requestSlots() : defaults.requestSlots(),
                    f.requestTimeout() != null ? f.requestTimeout().nanos() : defaults.requestTimeoutNanos());
        }
        if (f.hmacBudgetPerSecond() != null) b.hmacBudgetPerSecond(f.hmacBudgetPerSecond());
        if (f.loop() != null) b.loopStyle(switch (f.loop()) {
            case "select-loses-reading" -> LoopStyle.SELECT_LOSES_READING;
            case "select-keeps-reading" -> LoopStyle.SELECT_KEEPS_READING;
            default -> LoopStyle.TASKS;
        });
        return b.build();
    }

    private static void collect(SortedMap<String, Object> m, List<Device> devices, List<Diagnostics> diagnostics, SimGateway gateway,
                                SimWorld world, List<RunResult.Sample> series) {
        m.put("boot_failed", 0L);
        GatewayCore books = gateway.core();
        FleetMetrics.devices(m, devices, diagnostics, id -> books.device(id) == null ? 0 : books.device(id).sequences().received());
        org.HdrHistogram.Histogram latency = gateway.publishLatency();
        m.put("publish_latency_p50_ms", latency.getTotalCount() == 0 ? 0.0 : latency.getValueAtPercentile(50) / 1e6);
        m.put("publish_latency_p99_ms", latency.getTotalCount() == 0 ? 0.0 : latency.getValueAtPercentile(99) / 1e6);
        m.put("publish_latency_max_ms", latency.getTotalCount() == 0 ? 0.0 : latency.getMaxValue() / 1e6);
        GatewayCore core = gateway.core();
        m.put("gateway.connected", gateway.connected() ? 1L : 0L);
        m.put("gateway.received", core.receivedTotal());
        m.put("gateway.missing", core.missingTotal());
        m.put("gateway.duplicates", core.duplicatesTotal());
        m.put("gateway.reordered", core.reorderedTotal());
        m.put("gateway.rejected", core.rejectedTotal());
        m.put("gateway.throttles", core.throttles());
        m.put("gateway.peak_backlog", (long) core.peakBacklog());
        m.put("gateway.commands_sent", core.commandsSent());
        m.put("gateway.commands_acked", core.commandsAcked());
        m.put("gateway.command_timeouts", core.commandsTimedOut());
        m.put("gateway.command_timeout_share", core.commandsSent() == 0 ? new NoData("no command was sent")
                : (Object) ((double) core.commandsTimedOut() / core.commandsSent()));
        m.put("broker.dropped", world.broker().stats().droppedTotal());
        m.put("broker.wills", world.broker().stats().wills());
        NoData noWill = new NoData("no will was published");
        m.put("broker.will_silence_min_s", world.broker().stats().wills() == 0 ? noWill : world.broker().stats().willSilenceNanosMin() / 1e9);
        m.put("broker.will_silence_max_s", world.broker().stats().wills() == 0 ? noWill : world.broker().stats().willSilenceNanosMax() / 1e9);
        m.put("broker.unrouted", world.broker().stats().unrouted());
        m.put("broker.held", (long) world.broker().inflight() + world.broker().queued());
        m.put("network.lost_on_close", world.packetsLostOnClose());
        for (DropReason reason : DropReason.values()) m.put("broker.dropped." + reason.label(), world.broker().stats().dropped(reason));
        FleetMetrics.series(m, series);
        world.checkBalance();
    }

    static double[] percentilesMs(org.HdrHistogram.Histogram histogram) {
        if (histogram.getTotalCount() == 0) return RunResult.NO_LATENCIES;
        double[] curve = new double[101];
        for (int p = 0; p <= 100; p++) curve[p] = histogram.getValueAtPercentile(p) / 1e6;
        return curve;
    }

    /** SHA-256 over every device's trace digest (in id order) and the metrics, as canonical text. */
    static String digest(List<String> traceDigests, Map<String, Object> metrics) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            for (String d : traceDigests) sha.update((d + "\n").getBytes(StandardCharsets.UTF_8));
            for (Map.Entry<String, Object> e : metrics.entrySet()) sha.update((e.getKey() + "=" + e.getValue() + "\n").getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(sha.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required by every JDK", e);
        }
    }
}
