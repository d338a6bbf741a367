package dev.storyloop.device.live;

import dev.storyloop.device.diag.Diagnostics;
import dev.storyloop.device.firmware.Device;
import dev.storyloop.device.firmware.DeviceStats;
import dev.storyloop.device.firmware.FirmwareConfig;
import dev.storyloop.device.hal.Board;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.Function;

/**
 * Many live devices in one JVM: their executors on a few shared {@link DeviceLoop}s (each device
 * stays single-threaded), started so that only a bounded number connect at once, within one wait
 * for the whole fleet. Paho's own threads stay Paho's: each device still has its client.
 *
 * <p>A fleet that cannot connect every device within the wait is not an error here: {@link #connectReport()}
 * says how many connected and, grouped by reason, why the others did not, and the caller decides.
 */
public final class DeviceFleet implements AutoCloseable {
    /** How often the launcher looks at the connecting devices (a shell loop, not the devices' loops). */
    static final long LOOK_EVERY_MILLIS = 10;

    /** How the fleet is laid out and connected. */
    public record Settings(int loops, int connectsInFlight, long connectWaitNanos) {
        public static final int LOOPS_DEFAULT = Math.max(1, Runtime.getRuntime().availableProcessors());
        public static final int LOOPS_MAX = 256;
        public static final int CONNECTS_IN_FLIGHT_DEFAULT = 32;
        public static final int CONNECTS_IN_FLIGHT_MAX = 1_024;
        public static final long CONNECT_WAIT_DEFAULT_NANOS = TimeUnit.SECONDS.toNanos(30);

        public Settings {
            if (loops < 1 || loops > LOOPS_MAX) throw new IllegalArgumentException("loops must be 1.." + LOOPS_MAX + ", got " + loops);
            if (connectsInFlight < 1 || connectsInFlight > CONNECTS_IN_FLIGHT_MAX) {
                throw new IllegalArgumentException("connects in flight must be 1.." + CONNECTS_IN_FLIGHT_MAX + ", got " + connectsInFlight);
            }
            if (connectWaitNanos <= 0) throw new IllegalArgumentException("the connect wait must be positive, got " + connectWaitNanos + " ns");
        }

        public static Settings defaults() {
            return new Settings(LOOPS_DEFAULT, CONNECTS_IN_FLIGHT_DEFAULT, CONNECT_WAIT_DEFAULT_NANOS);
        }

        public Settings withConnectWaitNanos(long nanos) {
            return new Settings(loops, connectsInFlight, nanos);
        }
    }

    /** How the fleet's connects went: connected of started of asked, and why the rest did not connect, grouped. */
    public record ConnectReport(int asked, int started, int connected, SortedMap<String, List<String>> notConnectedByReason) {
        public boolean all() {
            return connected == asked;
        }

        /** One line per reason: "N devices: reason (id, id, ...)", at most a few ids each. */
        public String describe() {
            StringBuilder out = new StringBuilder();
            for (Map.Entry<String, List<String>> entry : notConnectedByReason.entrySet()) {
                if (out.length() > 0) out.append("; ");
                List<String> ids = entry.getValue();
                out.append(ids.size()).append(ids.size() == 1 ? " device: " : " devices: ").append(entry.getKey()).append(" (")
                        .append(String.join(", ", ids.subList(0, Math.min(3, ids.size())))).append(ids.size() > 3 ? ", ..." : "").append(')');
            }
            return out.toString();
        }
    }

    private final List<DeviceLoop> loops;
    private final List<LiveDevice> devices = new ArrayList<>();
    private final List<String> notStarted = new ArrayList<>();
    private final int asked;
    private String notStartedReason;
    private long launchedAtNanos;
    private long connectDeadlineNanos;

    private DeviceFleet(List<DeviceLoop> loops, int asked) {
        this.loops = loops;
        this.asked = asked;
    }

    /**
     * Starts the devices of {@code configs} on {@code settings.loops()} loop threads, at most
     * {@code settings.connectsInFlight()} connecting at a time, and returns when every device is
     * started or the connect wait has passed (devices not started by then are reported, not started).
     * A device that does not boot (its RAM does not fit) stops the fleet: the exception is thrown.
     */
    public static DeviceFleet start(List<FirmwareConfig> configs, String brokerUri, Function<FirmwareConfig, Board> boards,
                                    BiConsumer<Device, Diagnostics> beforeRun, Settings settings) throws InterruptedException {
        Objects.requireNonNull(brokerUri, "brokerUri");
        if (configs.isEmpty()) throw new IllegalArgumentException("a fleet needs at least one device");
        int loopCount = Math.min(settings.loops(), configs.size());
        int perLoop = (configs.size() + loopCount - 1) / loopCount;
        long spin = configs.get(0).idleSpinNanos();
        List<DeviceLoop> loops = new ArrayList<>(loopCount);
        for (int i = 0; i < loopCount; i++) loops.add(DeviceLoop.start("device-loop-" + (i + 1), perLoop, DeviceLoop.idleFor(spin), spin));
        DeviceFleet fleet = new DeviceFleet(List.copyOf(loops), configs.size());
        try {
            fleet.launch(configs, brokerUri, boards, beforeRun, settings);
        } catch (RuntimeException | InterruptedException e) {
            fleet.close();
            throw e;
        }
        return fleet;
    }

    private void launch(List<FirmwareConfig> configs, String brokerUri, Function<FirmwareConfig, Board> boards,
                        BiConsumer<Device, Diagnostics> beforeRun, Settings settings) throws InterruptedException {
        launchedAtNanos = System.nanoTime();
        connectDeadlineNanos = launchedAtNanos + settings.connectWaitNanos();
        for (int n = 0; n < configs.size(); n++) {
            FirmwareConfig config = configs.get(n);
            while (connecting() >= settings.connectsInFlight() && System.nanoTime() < connectDeadlineNanos) {
                TimeUnit.MILLISECONDS.sleep(LOOK_EVERY_MILLIS);
            }
            if (System.nanoTime() >= connectDeadlineNanos) {
                notStartedReason = "not started: the connect wait of " + seconds(settings.connectWaitNanos()) + " passed with "
                        + connecting() + " devices still connecting (" + settings.connectsInFlight() + " at a time)";
                for (int rest = n; rest < configs.size(); rest++) notStarted.add(configs.get(rest).deviceId());
                return;
            }
            DeviceLoop loop = loops.get(n % loops.size());
            devices.add(LiveDevice.start(config, brokerUri, boards.apply(config), beforeRun, loop));
        }
    }

    /** Started devices whose first connect has not ended yet, either way. */
    private int connecting() {
        int connecting = 0;
        for (LiveDevice live : devices) {
            Device device = live.device();
            DeviceStats stats = device.stats();
            if (!device.isConnected() && stats.connects() == 0 && stats.connectFailures() == 0) connecting++;
        }
        return connecting;
    }

    /** Waits until every started device is connected or the fleet's connect wait has passed; returns the report. */
    public ConnectReport awaitConnected() throws InterruptedException {
        while (System.nanoTime() < connectDeadlineNanos && connected() < devices.size()) TimeUnit.MILLISECONDS.sleep(LOOK_EVERY_MILLIS);
        return connectReport();
    }

    private int connected() {
        int connected = 0;
        for (LiveDevice live : devices) if (live.device().isConnected()) connected++;
        return connected;
    }

    /** How the connects stand now. */
    public ConnectReport connectReport() {
        SortedMap<String, List<String>> byReason = new TreeMap<>();
        int connected = 0;
        for (LiveDevice live : devices) {
            if (live.device().isConnected()) {
                connected++;
                continue;
            }
            String reason = live.transport().lastLossReason();
            if (reason == null) reason = "no answer from the broker within the connect wait";
            byReason.computeIfAbsent(reason, r -> new ArrayList<>()).add(live.device().config().deviceId());
        }
        if (!notStarted.isEmpty()) byReason.put(notStartedReason, List.copyOf(notStarted));
        byReason.replaceAll((reason, ids) -> Collections.unmodifiableList(ids));
        return new ConnectReport(asked, devices.size(), connected, Collections.unmodifiableSortedMap(byReason));
    }

    /** The devices started, in start order. */
    public List<LiveDevice> devices() {
        return Collections.unmodifiableList(devices);
    }

    public List<DeviceLoop> loops() {
        return loops;
    }

    /** Time from the first start to now, for a status line. */
    public long sinceLaunchNanos() {
        return System.nanoTime() - launchedAtNanos;
    }

    /** Stops every device (each says "offline" first), then the loop threads. Idempotent. */
    @Override
    public void close() {
        for (LiveDevice device : devices) device.requestStop(); // all at once: each then takes its own time to say "offline"
        for (LiveDevice device : devices) device.close();
        for (DeviceLoop loop : loops) loop.close();
    }

    private static String seconds(long nanos) {
        return String.format(java.util.Locale.ROOT, "%.1f s", nanos / 1e9);
    }
}
