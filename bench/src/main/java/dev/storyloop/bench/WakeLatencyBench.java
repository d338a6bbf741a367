package dev.storyloop.bench;

import dev.storyloop.device.chan.OverflowPolicy;
import dev.storyloop.device.firmware.FirmwareConfig;
import dev.storyloop.device.hal.LiveBoard;
import dev.storyloop.device.live.LiveDevice;
import dev.storyloop.testsupport.BrokerConfig;
import dev.storyloop.testsupport.Executables;
import dev.storyloop.testsupport.LocalMosquitto;
import org.HdrHistogram.Histogram;

import java.io.IOException;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Live wake latency's tail (a Paho callback's hand-over to the task's poll) for one device, with
 * its loop thread pinned to a core or not, after a warm-up that is reported apart.
 *
 * <p>Pinning ({@code taskset -p}) modes: {@code none}; {@code loop}: the device's loop thread on
 * core 1, everything else where the scheduler puts it; {@code split}: the loop thread alone on core
 * 1 in this JVM, every other thread of the JVM and the broker on core 0 (other processes on the
 * machine are not moved: on a shared machine the loop's core is not its own). Prints the latency
 * per interval and for the whole measured time (p50, p99, p99.9, max), the JVM's GC pauses in it,
 * and the figure including the warm-up as the footprint benchmark gives it.
 * Usage: {@code WakeLatencyBench [seconds] [none|loop|split] [idle-spin-us] [period-ms] [warm-up-s]}.
 */
public final class WakeLatencyBench {
    static final int INTERVALS = 6;
    static final int LOOP_CORE = 1;
    static final int OTHER_CORE = 0;

    public static void main(String[] args) throws Exception {
        int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 60;
        String pin = args.length > 1 ? args[1] : "none";
        long idleSpinMicros = args.length > 2 ? Long.parseLong(args[2]) : 250;
        long periodMillis = args.length > 3 ? Long.parseLong(args[3]) : 100;
        int warmUpSeconds = args.length > 4 ? Integer.parseInt(args[4]) : 10;
        if (!List.of("none", "loop", "split").contains(pin)) throw new IllegalArgumentException("pin must be none, loop or split: " + pin);
        Path mosquitto = Executables.find("mosquitto").orElseThrow(() -> new IllegalStateException("mosquitto is not installed"));
        String id = "wake-1";
        try (LocalMosquitto broker = LocalMosquitto.start(mosquitto, BrokerConfig.defaults())) {
            FirmwareConfig config = FirmwareConfig.builder(id).seed(2).samplePeriodNanos(TimeUnit.MILLISECONDS.toNanos(periodMillis)).qos(1)
                    .idleSpinNanos(TimeUnit.MICROSECONDS.toNanos(idleSpinMicros)).ramBytes(64 * 1024).uplinkCapacity(64)
                    .overflowPolicy(OverflowPolicy.DROP_OLDEST).build();
            LiveDevice device = LiveDevice.start(config, broker.url(), LiveBoard.withSimulatedGpio(id));
            try {
                long loopTid = nativeThreadId("device-" + id);
                if (!pin.equals("none")) taskset(LOOP_CORE, loopTid);
                if (pin.equals("split")) {
                    for (long tid : nativeThreadIds()) if (tid != loopTid) taskset(OTHER_CORE, tid);
                    taskset(OTHER_CORE, broker.pid());
                }
                System.out.printf(Locale.ROOT, "wake latency: one device (QoS 1, period %d ms, idle spin %d us), pinning %s, %d s after %d s of warm-up; "
                        + "load average %s%n", periodMillis, idleSpinMicros, pin, seconds, warmUpSeconds, loadAverage());
                Thread.sleep(warmUpSeconds * 1_000L);
                Histogram warmUp = device.wakeLatencyInterval();
                long[] gc0 = gc();
                Histogram measured = new Histogram(3);
                for (int i = 0; i < INTERVALS; i++) {
                    Thread.sleep(seconds * 1_000L / INTERVALS);
                    Histogram interval = device.wakeLatencyInterval();
                    measured.add(interval);
                    System.out.printf(Locale.ROOT, "  interval %d: %s%n", i + 1, line(interval));
                }
                long[] gc1 = gc();
                Histogram total = device.wakeLatencyTotal();
                System.out.printf(Locale.ROOT, "pinning %s, idle spin %d us: measured %s; GC pauses in it %d (%d ms); warm-up alone %s; "
                                + "total with warm-up %s; load average %s%n", pin, idleSpinMicros, line(measured), gc1[0] - gc0[0], gc1[1] - gc0[1],
                        line(warmUp), line(total), loadAverage());
            } finally {
                device.device().requestShutdown();
                device.close();
            }
        }
        System.exit(0);
    }

    static String line(Histogram h) {
        if (h.getTotalCount() == 0) return "no wakes";
        return String.format(Locale.ROOT, "p50 %d us p99 %d us p99.9 %d us max %d us (%d wakes)", h.getValueAtPercentile(50) / 1_000,
                h.getValueAtPercentile(99) / 1_000, h.getValueAtPercentile(99.9) / 1_000, h.getMaxValue() / 1_000, h.getTotalCount());
    }

    /** {collections, milliseconds} of every collector so far. */
    static long[] gc() {
        long count = 0, millis = 0;
        for (GarbageCollectorMXBean bean : ManagementFactory.getGarbageCollectorMXBeans()) {
            count += Math.max(0, bean.getCollectionCount());
            millis += Math.max(0, bean.getCollectionTime());
        }
        return new long[] {count, millis};
    }

    /** The kernel's id of this JVM's thread with that name (Linux keeps 15 characters of it in {@code comm}). */
    static long nativeThreadId(String threadName) throws IOException {
        String comm = threadName.length() > 15 ? threadName.substring(0, 15) : threadName;
        for (long tid : nativeThreadIds()) {
            try {
                if (Files.readString(Path.of("/proc/self/task", Long.toString(tid), "comm")).strip().equals(comm)) return tid;
            } catch (IOException gone) {
                // the thread ended meanwhile
            }
        }
        throw new IllegalStateException("no thread named " + comm + " in /proc/self/task");
    }

    static List<Long> nativeThreadIds() throws IOException {
        List<Long> ids = new ArrayList<>();
        try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
            tasks.forEach(task -> ids.add(Long.parseLong(task.getFileName().toString())));
        }
        return ids;
    }

    static void taskset(int core, long tid) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("taskset", "-p", "-c", Integer.toString(core), Long.toString(tid))
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
            p.destroyForcibly();
            // A thread that ended meanwhile cannot be moved; only the loop thread's failure matters, and it shows in the figures.
        }
    }

    static String loadAverage() {
        try {
            String[] load = Files.readString(Path.of("/proc/loadavg")).split(" ");
            return load[0] + " " + load[1] + " " + load[2];
        } catch (IOException e) {
            return "unknown";
        }
    }
}
