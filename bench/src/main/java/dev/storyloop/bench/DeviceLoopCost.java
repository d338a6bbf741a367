package dev.storyloop.bench;

import dev.storyloop.device.chan.OverflowPolicy;
import dev.storyloop.device.firmware.DeviceStats;
import dev.storyloop.device.firmware.FirmwareConfig;
import dev.storyloop.device.hal.LiveBoard;
import dev.storyloop.device.live.LiveDevice;
import dev.storyloop.device.net.PahoTransport;
import dev.storyloop.protocol.Topics;
import dev.storyloop.testsupport.Executables;
import dev.storyloop.testsupport.LocalMosquitto;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What a live device's loop pays per reading: D firmware devices (executor, sampler, HMAC signing,
 * uplink, Paho) sampling as fast as backpressure lets them ({@code block}, the firmware's fastest
 * period) into a fresh Mosquitto, drained by a bare Vert.x subscriber that only counts, so that
 * as little as possible besides the devices shares the machine.
 *
 * <p>Each round measures, over its seconds, the CPU time ({@code ThreadMXBean}) and the bytes
 * allocated by the device loop threads and by their Paho threads, divided by the readings the
 * devices took in it; the median of the rounds closes each QoS. Run it under JFR to see where the
 * loop's time goes ({@code BENCH_JAVA_OPTS=-XX:StartFlightRecording=...}).
 * Usage: {@code DeviceLoopCost [devices] [seconds] [rounds]}.
 */
public final class DeviceLoopCost {
    static final long WARM_UP_MILLIS = 3_000;

    public static void main(String[] args) throws Exception {
        int devices = args.length > 0 ? Integer.parseInt(args[0]) : 2;
        int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 3;
        Path mosquitto = Executables.find("mosquitto").orElseThrow(() -> new IllegalStateException("mosquitto is not installed"));
        System.out.printf(Locale.ROOT, "device loop cost: %d devices (period %d us, block, uplink window %d, Paho window %d) -> mosquitto "
                        + "-> bare counter; %d rounds of %d s per QoS after %d ms of warm-up%n", devices, FirmwareConfig.SAMPLE_PERIOD_MIN_NANOS / 1_000,
                FirmwareConfig.UPLINK_WINDOW_MAX, PahoTransport.MAX_INFLIGHT_DEFAULT, rounds, seconds, WARM_UP_MILLIS);
        for (int qos : new int[] {0, 1}) {
            try (LocalMosquitto broker = LocalMosquitto.start(mosquitto, PipelineBench.BROKER);
                 BareMqtt.Counter counter = new BareMqtt.Counter(broker.host(), broker.port(), "bench-counter",
                         Topics.Kind.TELEMETRY.allDevicesFilter(), qos)) {
                List<LiveDevice> fleet = new ArrayList<>();
                try {
                    for (int n = 0; n < devices; n++) {
                        String id = "cost-" + qos + "-" + n;
                        FirmwareConfig config = FirmwareConfig.builder(id).seed(n).samplePeriodNanos(FirmwareConfig.SAMPLE_PERIOD_MIN_NANOS).qos(qos)
                                .uplinkCapacity(256).uplinkWindow(FirmwareConfig.UPLINK_WINDOW_MAX).overflowPolicy(OverflowPolicy.BLOCK)
                                .ramBytes(256 * 1024).idleSpinNanos(0).build();
                        fleet.add(LiveDevice.start(config, broker.url(), LiveBoard.withSimulatedGpio(id)));
                    }
                    Thread.sleep(WARM_UP_MILLIS);
                    double[] loopMicros = new double[rounds];
                    double[] pahoMicros = new double[rounds];
                    double[] loopBytes = new double[rounds];
                    for (int round = 0; round < rounds; round++) {
                        long sampled0 = sampled(fleet);
                        long parks0 = parks(fleet);
                        long polls0 = polls(fleet);
                        CpuBooks cpu0 = CpuBooks.take(broker.pid());
                        Thread.sleep(seconds * 1_000L);
                        long sampled1 = sampled(fleet);
                        long parks1 = parks(fleet);
                        long polls1 = polls(fleet);
                        CpuBooks cpu1 = CpuBooks.take(broker.pid());
                        long readings = sampled1 - sampled0;
                        loopMicros[round] = cpu1.groupCpuNanos(cpu0, "device loops") / 1e3 / readings;
                        pahoMicros[round] = cpu1.groupCpuNanos(cpu0, "Paho threads") / 1e3 / readings;
                        loopBytes[round] = (double) cpu1.groupAllocatedBytes(cpu0, "device loops") / readings;
                        System.out.printf(Locale.ROOT, "QoS %d round %d: %d readings (%.0f/s): device loops %.1f us CPU and %.0f B allocated per reading, "
                                        + "their Paho threads %.1f us per reading; per reading %.2f polls, %.2f parks; %s%n", qos, round + 1, readings,
                                readings / ((cpu1.wallNanos() - cpu0.wallNanos()) / 1e9), loopMicros[round], loopBytes[round], pahoMicros[round],
                                (double) (polls1 - polls0) / readings, (double) (parks1 - parks0) / readings,
                                cpu1.line(cpu0, readings));
                    }
                    System.out.printf(Locale.ROOT, "QoS %d: median per reading: device loop %.1f us CPU, %.0f B allocated; Paho threads %.1f us CPU%n",
                            qos, PipelineBench.median(loopMicros), PipelineBench.median(loopBytes), PipelineBench.median(pahoMicros));
                } finally {
                    for (LiveDevice device : fleet) device.device().requestShutdown();
                    for (LiveDevice device : fleet) device.close();
                }
                long sampled = 0, delivered = 0;
                for (LiveDevice device : fleet) {
                    DeviceStats stats = device.device().stats();
                    sampled += stats.sampled();
                    delivered += stats.delivered();
                }
                System.out.printf(Locale.ROOT, "QoS %d books: sampled %d, delivered %d, counter received %d%n", qos, sampled, delivered, counter.received());
            }
        }
        System.exit(0);
    }

    static long parks(List<LiveDevice> fleet) {
        long parks = 0;
        for (LiveDevice device : fleet) parks += device.loop().runner().parks(); // each on its own loop: its parks are the device's
        return parks;
    }

    /**
     * Polls of every task so far. The diagnostics' counters are the loop thread's plain fields, read
     * here from another thread: a figure that may lag by a few polls, fine for a rate over seconds.
     */
    static long polls(List<LiveDevice> fleet) {
        long polls = 0;
        for (LiveDevice device : fleet) {
            for (int slot = 0; slot < device.device().executor().taskCapacity(); slot++) polls += device.diagnostics().polls(slot);
        }
        return polls;
    }

    static long sampled(List<LiveDevice> fleet) {
        long sampled = 0;
        for (LiveDevice device : fleet) sampled += device.snapshot().sampled();
        return sampled;
    }
}
