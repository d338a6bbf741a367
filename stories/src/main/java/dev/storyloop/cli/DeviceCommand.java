package dev.storyloop.cli;

import dev.storyloop.console.ConsoleServer;
import dev.storyloop.console.LiveProbe;
import dev.storyloop.device.chan.OverflowPolicy;
import dev.storyloop.device.firmware.FirmwareConfig;
import dev.storyloop.device.hal.LiveBoard;
import dev.storyloop.device.live.DeviceFleet;
import dev.storyloop.device.live.LiveDevice;
import dev.storyloop.device.memory.BudgetExceededException;
import dev.storyloop.protocol.DeviceIds;
import org.HdrHistogram.Histogram;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code storyloop device}: firmware devices in real time against a real broker, until Ctrl-C.
 *
 * <p>Each device runs on its own executor, exactly the firmware the simulated world runs, over
 * Paho; the executors share a few loop threads ({@code --loops}), and the fleet connects a bounded
 * number at a time ({@code --connects-in-flight}) within {@code --connect-wait}. A status line every few seconds; a summary at exit (Ctrl-C or {@code --duration}).
 */
@Command(name = "device", mixinStandardHelpOptions = true,
        description = "Runs firmware devices live against an MQTT broker until Ctrl-C, printing their status.")
final class DeviceCommand implements Callable<Integer> {
    static final int COUNT_MAX = 10_000;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--broker", required = true, description = "Broker URL, e.g. tcp://127.0.0.1:1883.")
    String broker;

    @Option(names = "--id", defaultValue = "pi-1", description = "Device id; with --count N the ids are ID-1 .. ID-N (default: ${DEFAULT-VALUE}).")
    String id;

    @Option(names = "--count", defaultValue = "1", description = "How many devices, each on its own executor (default: ${DEFAULT-VALUE}).")
    int count;

    @Option(names = "--loops", description = "Loop threads the devices' executors share, each device staying on one (default: the number of cores, at most --count).")
    Integer loops;

    @Option(names = "--connects-in-flight", defaultValue = "32",
            description = "Devices connecting at the same time; the next starts when one has connected or failed (default: ${DEFAULT-VALUE}).")
    int connectsInFlight;

    @Option(names = "--connect-wait", defaultValue = "30s", converter = Units.DurationNanos.class,
            description = "How long the fleet may take to connect; devices not started by then are reported, not started (default: ${DEFAULT-VALUE}).")
    long connectWaitNanos;

    @Option(names = "--period", defaultValue = "1s", converter = Units.DurationNanos.class,
            description = "Sample period (default: ${DEFAULT-VALUE}).")
    long periodNanos;

    @Option(names = "--qos", defaultValue = "1", description = "Telemetry QoS, 0 or 1 (default: ${DEFAULT-VALUE}).")
    int qos;

    @Option(names = "--idle-spin", defaultValue = "250us", converter = Units.DurationNanos.class,
            description = "How long the loop spins after work before it parks; a reply within it wakes no thread; 0s parks at once (default: ${DEFAULT-VALUE}).")
    long idleSpinNanos;

    @Option(names = "--ram", defaultValue = "64KiB", converter = Units.SizeBytes.class,
            description = "Each device's RAM budget (default: ${DEFAULT-VALUE}).")
    long ramBytes;

    @Option(names = "--capacity", defaultValue = "64", description = "Frames the store-and-forward queue holds (default: ${DEFAULT-VALUE}).")
    int capacity;

    @Option(names = "--policy", defaultValue = "drop-oldest", description = "When the queue is full: block, drop-oldest or drop-newest (default: ${DEFAULT-VALUE}).")
    String policy;

    @Option(names = "--seed", defaultValue = "1", description = "Seed of sensor noise and reconnect jitter (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--gpio-chip", description = "libgpiod chip, e.g. gpiochip0; without it the GPIO is simulated.")
    String gpioChip;

    @Option(names = "--led-line", defaultValue = "17", description = "LED line offset on the chip (default: ${DEFAULT-VALUE}).")
    int ledLine;

    @Option(names = "--button-line", defaultValue = "27", description = "Button line offset on the chip (default: ${DEFAULT-VALUE}).")
    int buttonLine;

    @Option(names = "--duration", converter = Units.DurationNanos.class, description = "Stop after this long instead of waiting for Ctrl-C.")
    Long durationNanos;

    @Option(names = "--status-every", defaultValue = "5s", converter = Units.DurationNanos.class,
            description = "Status line interval (default: ${DEFAULT-VALUE}).")
    long statusNanos;

    @Option(names = "--console", paramLabel = "HOST:PORT",
            description = "Serve the console (tasks, wait chains, warnings, memory map; GET /tasks for JSON) on HOST:PORT, e.g. 127.0.0.1:8088. "
                    + "Read-only; bound to anything but loopback it asks for a token, printed with the address.")
    String console;

    @Option(names = "--console-token", description = "The token the console asks for when bound beyond loopback (default: a random one, printed).")
    String consoleToken;

    @Option(names = "--refresh-loses-wake", description = "Plant the token-refresh bug: the HMAC future's slow path returns Pending without registering its waker.")
    boolean refreshLosesWake;

    @Option(names = "--source-of-truth-one-in", description = "One HMAC call in N takes the library's slow source-of-truth path (default: the firmware's).")
    Integer sourceOfTruthOneIn;

    @Option(names = "--token-refresh", converter = Units.DurationNanos.class, description = "Token refresh period (default: the firmware's).")
    Long tokenRefreshNanos;

    @Override
    public Integer call() throws InterruptedException {
        List<FirmwareConfig> configs = configs();
        String[] consoleAddress = console == null ? null : Units.hostPort(spec.commandLine(), "--console", console);
        PrintWriter out = spec.commandLine().getOut();
        DeviceFleet.Settings settings = settings();
        List<LiveDevice> devices = new ArrayList<>();
        List<LiveProbe> probes = java.util.Collections.synchronizedList(new ArrayList<>()); // added on the loop threads
        DeviceFleet fleet = null;
        ConsoleServer consoleServer = null;
        long started = System.nanoTime();
        try (Foreground foreground = new Foreground("storyloop-device-exit")) {
            try {
                fleet = DeviceFleet.start(configs, broker,
                        config -> gpioChip == null ? LiveBoard.withSimulatedGpio(config.deviceId())
                                : LiveBoard.withGpio(config.deviceId(), gpioChip, ledLine, buttonLine),
                        console == null ? (device, diagnostics) -> {} : (device, diagnostics) -> probes.add(LiveProbe.attach(
                                device.config().deviceId(), device.executor(), diagnostics, device.budget().report())),
                        settings);
                devices.addAll(fleet.devices());
                DeviceFleet.ConnectReport connects = fleet.awaitConnected();
                out.printf(Locale.ROOT, "storyloop device: %d of %d connected after %.1f s on %d loop thread(s)%s%n", connects.connected(),
                        connects.asked(), fleet.sinceLaunchNanos() / 1e9, fleet.loops().size(),
                        connects.all() ? "" : "; not connected: " + connects.describe());
                if (console != null) {
                    consoleServer = ConsoleServer.live(consoleAddress[0], Integer.parseInt(consoleAddress[1]), consoleToken,
                            "storyloop device " + id, probes);
                    out.println("console: " + consoleServer.url());
                }
                out.printf(Locale.ROOT, "storyloop device: %d device(s) -> %s, period %s, QoS %d, queue %d (%s), RAM %d B each; GPIO: %s; Ctrl-C stops%n",
                        devices.size(), broker, Units.duration(periodNanos), qos, capacity, policy, ramBytes,
                        devices.get(0).device().board().gpio().description());
                out.flush();
                foreground.runUntilStopped(statusNanos, durationNanos, () -> {
                    out.println(status(devices, started, false, qos));
                    out.flush();
                });
                DeviceFleet.ConnectReport atEnd = fleet.connectReport();
                fleet.close();
                out.println(status(devices, started, true, qos));
                if (!atEnd.all()) out.println("  not connected at the end: " + atEnd.describe());
                int failed = 0;
                for (LiveDevice device : devices) {
                    if (device.failure() == null) continue;
                    failed++;
                    out.println("  " + device.device().config().deviceId() + " failed: " + device.failure());
                }
                out.flush();
                return failed == 0 ? 0 : 1;
            } catch (BudgetExceededException e) {
                spec.commandLine().getErr().println("storyloop device: the configuration does not fit the RAM budget: " + e.getMessage());
                spec.commandLine().getErr().flush();
                return 2;
            } finally {
                if (fleet != null) fleet.close();
                if (consoleServer != null) consoleServer.close();
            }
        }
    }

    private DeviceFleet.Settings settings() {
        try {
            return new DeviceFleet.Settings(loops == null ? Math.min(count, DeviceFleet.Settings.LOOPS_DEFAULT) : loops,
                    connectsInFlight, connectWaitNanos);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--loops, --connects-in-flight, --connect-wait: " + e.getMessage());
        }
    }

    private List<FirmwareConfig> configs() {
        CommandLine cli = spec.commandLine();
        if (!broker.startsWith("tcp://") && !broker.startsWith("ssl://")) {
            throw new CommandLine.ParameterException(cli, "--broker must be a tcp:// or ssl:// URL, got '" + broker + "'");
        }
        if (count < 1 || count > COUNT_MAX) throw new CommandLine.ParameterException(cli, "--count must be 1.." + COUNT_MAX + ", got " + count);
        if (statusNanos < 100_000_000L) throw new CommandLine.ParameterException(cli, "--status-every must be at least 100ms");
        if (durationNanos != null && durationNanos <= 0) throw new CommandLine.ParameterException(cli, "--duration must be positive");
        OverflowPolicy overflow;
        try {
            overflow = OverflowPolicy.parse(policy);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(cli, "--policy must be block, drop-oldest or drop-newest, got '" + policy + "'");
        }
        List<FirmwareConfig> configs = new ArrayList<>(count);
        for (int i = 1; i <= count; i++) {
            String deviceId = count == 1 ? id : id + "-" + i;
            String problem = DeviceIds.rejection(deviceId);
            if (problem != null) throw new CommandLine.ParameterException(cli, "--id: " + problem);
            try {
                FirmwareConfig.Builder b = FirmwareConfig.builder(deviceId).seed(seed + i).samplePeriodNanos(periodNanos).qos(qos)
                        .idleSpinNanos(idleSpinNanos).ramBytes(ramBytes).uplinkCapacity(capacity).overflowPolicy(overflow)
                        .refreshLosesWake(refreshLosesWake);
                FirmwareConfig defaults = b.build();
                if (sourceOfTruthOneIn != null) b.hmacTiming(defaults.hmacFastNanos(), defaults.hmacSourceOfTruthNanos(), sourceOfTruthOneIn);
                if (tokenRefreshNanos != null) b.tokenRefresh(tokenRefreshNanos, Math.max(defaults.tokenLifetimeNanos(), 2 * tokenRefreshNanos));
                configs.add(b.build());
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(cli, e.getMessage());
            }
        }
        return configs;
    }

    /** One line for the whole fleet; "acked" is PUBACKed at QoS 1 and written to the socket at QoS 0. */
    private static String status(List<LiveDevice> devices, long started, boolean summary, int qos) {
        int connected = 0;
        long sampled = 0, sent = 0, delivered = 0, buffered = 0, dropped = 0, connects = 0, lost = 0;
        Histogram wakes = null;
        for (LiveDevice device : devices) {
            LiveDevice.Snapshot s = device.snapshot();
            if (s.connected()) connected++;
            sampled += s.sampled();
            sent += s.published();
            delivered += s.delivered();
            buffered += s.buffered();
            dropped += s.dropped();
            connects += s.connects();
            lost += s.connectionsLost();
            Histogram h = summary ? device.wakeLatencyTotal() : device.wakeLatencyInterval();
            if (wakes == null) wakes = h;
            else wakes.add(h);
        }
        String latency = wakes == null || wakes.getTotalCount() == 0 ? "wake n/a"
                : "wake p50 " + Units.micros(wakes.getValueAtPercentile(50)) + " p99 " + Units.micros(wakes.getValueAtPercentile(99))
                        + " (" + wakes.getTotalCount() + " wakes)";
        return String.format(Locale.ROOT, "%s %6.1fs connected %d/%d sampled %d sent %d %s %d buffered %d dropped %d connects %d lost %d %s",
                summary ? "summary" : "status ", (System.nanoTime() - started) / 1e9, connected, devices.size(), sampled, sent,
                qos == 1 ? "acked" : "written", delivered, buffered, dropped, connects, lost, latency);
    }
}
