package dev.storyloop.bench;

import dev.storyloop.stories.run.RunResult;
import dev.storyloop.stories.run.SimRunner;
import dev.storyloop.stories.scenario.Scenario;
import dev.storyloop.stories.scenario.ScenarioFile;

import com.sun.management.GarbageCollectionNotificationInfo;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.ThreadMXBean;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;

import javax.management.NotificationEmitter;
import javax.management.openmbean.CompositeData;

/**
 * The virtual fleet: N simulated devices (firmware on their executors, the simulated broker and
 * links, the gateway core next to the broker, no in-flight limit towards it: Mosquitto's default
 * of 20 over a 10 ms round trip would cap the fleet at 2,000 msg/s) on one thread and one virtual clock. The devices keep
 * MQTT's usual 60 s keepalive, and so also ping about once a minute: a client pings when it has sent nothing, or heard
 * nothing, for an interval (as Paho), and the keepalive check that follows a reading finds the last PUBACK exactly an
 * interval old (818 PINGREQs for 1,000 readings at 100 devices over 10 minutes). Prints wall time, simulated
 * messages per wall second, the speed-up over real time, CPU time (less sensitive than wall time to other load on
 * the machine), the run's digest (two runs must print the same) and the heap's peak. The series is sampled once a
 * simulated minute, not once a second as in stories.
 *
 * <p>Usage: {@code VirtualFleetBench DEVICES PERIOD DURATION} (e.g. {@code 100000 1m 1h}). With
 * {@code -Dstoryloop.fleet.histogramAt=S}, the live heap's class histogram (after a full GC, the first
 * {@value #HISTOGRAM_ROWS} rows) is printed once the world reaches simulated second S: the per-device bytes,
 * measured at the same point of every run; with {@code -Dstoryloop.fleet.heapDump=FILE} as well, the live heap is
 * also dumped there (HPROF) at that second, to sort the arrays by size.
 */
public final class VirtualFleetBench {
    /** The series is taken once a simulated minute: each sample walks every device and broker session (see SimRunner). */
    private static final long SERIES_PERIOD_NANOS = 60_000_000_000L;

    private static final int HISTOGRAM_ROWS = 40;

    private VirtualFleetBench() {}

    /** Prints the live heap's class histogram (a full GC first) through the JVM's diagnostic command, as {@code jcmd PID GC.class_histogram} does. */
    private static void printClassHistogram(double simulatedSeconds, int devices) {
        try {
            javax.management.ObjectName name = new javax.management.ObjectName("com.sun.management:type=DiagnosticCommand");
            String histogram = (String) ManagementFactory.getPlatformMBeanServer().invoke(name, "gcClassHistogram",
                    new Object[] {null}, new String[] {String[].class.getName()});
            String[] lines = histogram.split("\n");
            System.out.printf(Locale.ROOT, "  class histogram at simulated second %.0f (live, after a full GC):%n", simulatedSeconds);
            for (int i = 0; i < Math.min(lines.length, HISTOGRAM_ROWS + 3); i++) System.out.println("    " + lines[i]);
            String total = lines[lines.length - 1].trim();
            System.out.println("    " + total);
            String[] fields = total.split("\\s+");
            long bytes = Long.parseLong(fields[fields.length - 1]);
            System.out.printf(Locale.ROOT, "  live heap %.1f MB, %.1f kB per device%n", bytes / 1e6, bytes / 1e3 / devices);
            String dump = System.getProperty("storyloop.fleet.heapDump");
            if (dump != null) {
                ManagementFactory.getPlatformMXBean(com.sun.management.HotSpotDiagnosticMXBean.class).dumpHeap(dump, true);
                System.out.println("  heap dumped to " + dump);
            }
        } catch (javax.management.JMException | java.io.IOException | RuntimeException e) {
            System.out.println("  class histogram not available: " + e);
        }
    }

    /**
     * The collections of the run by cause ("Allocation Failure", or "System.gc()" for the runner's compactions of a
     * fleet's boot, see {@code SimRunner.COMPACT_FROM_DEVICES}): count and pause milliseconds, from the collectors'
     * notifications, which arrive on a JMX thread.
     */
    private static Map<String, long[]> recordCollections() {
        Map<String, long[]> byCause = new ConcurrentSkipListMap<>();
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            if (!(gc instanceof NotificationEmitter emitter)) continue;
            emitter.addNotificationListener((notification, handback) -> {
                if (!GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(notification.getType())) return;
                GarbageCollectionNotificationInfo info = GarbageCollectionNotificationInfo.from((CompositeData) notification.getUserData());
                long[] tally = byCause.computeIfAbsent(info.getGcAction() + ", " + info.getGcCause(), k -> new long[2]);
                synchronized (tally) {
                    tally[0]++;
                    tally[1] += info.getGcInfo().getDuration();
                }
            }, null, null);
        }
        return byCause;
    }

    /** Collections so far, by every collector. */
    private static long collectionCount() {
        long total = 0;
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) total += Math.max(0, gc.getCollectionCount());
        return total;
    }

    /** CPU time of the whole JVM (every thread: the world's, the collector's, the compilers'). */
    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 3) {
            System.err.println("usage: VirtualFleetBench DEVICES PERIOD DURATION   e.g. 100000 1m 1h");
            System.exit(2);
        }
        int devices = Integer.parseInt(args[0]);
        String yaml = """
                title: virtual fleet
                seed: 1
                duration: %s
                devices:
                  count: %d
                  id: meter-{n}
                  firmware:
                    period: %s
                    qos: 1
                    capacity: 8
                    window: 4
                    keepalive: 60s
                    ram: 16KiB
                network:
                  latency: 5ms
                broker:
                  max-inflight: 0
                  max-queued: 0
                gateway:
                  lan: true
                expect:
                  - {id: all-arrive, claim: "every reading arrives", metric: run.gateway.missing, op: "==", value: 0}
                """.formatted(args[2], devices, args[1]);
        Scenario scenario = ScenarioFile.parse("virtual fleet", yaml);
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) pool.resetPeakUsage();
        long collectionsBefore = collectionCount();
        Map<String, long[]> collections = recordCollections();
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        long started = System.nanoTime();
        long cpuStarted = processCpuNanos();
        long threadCpuStarted = threads.getCurrentThreadCpuTime();
        long[] lastPrint = {started};
        double[] boot = {-1, -1, -1}; // wall, process CPU and the world's thread's CPU seconds to the end of the first simulated second: the boot, mostly
        com.sun.management.ThreadMXBean allocation = (com.sun.management.ThreadMXBean) threads;
        long allocatedStarted = allocation.getCurrentThreadAllocatedBytes();
        long[] bootAllocated = {-1}; // bytes the world's thread allocated from here to the end of the first simulated second
        String histogramAt = System.getProperty("storyloop.fleet.histogramAt");
        double[] histogramSecond = {histogramAt == null ? Double.MAX_VALUE : Double.parseDouble(histogramAt)};
        RunResult run = SimRunner.run(scenario, scenario.variants().get(0), 1, (variant, done, total, events) -> {
            long now = System.nanoTime();
            if (boot[0] < 0) {
                boot[0] = (now - started) / 1e9;
                boot[1] = (processCpuNanos() - cpuStarted) / 1e9;
                boot[2] = (threads.getCurrentThreadCpuTime() - threadCpuStarted) / 1e9; // the callback runs on the world's thread
                bootAllocated[0] = allocation.getCurrentThreadAllocatedBytes() - allocatedStarted;
            }
            if (done >= histogramSecond[0]) {
                histogramSecond[0] = Double.MAX_VALUE;
                printClassHistogram(done, devices);
            }
            if (now - lastPrint[0] < 10_000_000_000L) return;
            lastPrint[0] = now;
            System.out.printf(Locale.ROOT, "  %.0f / %.0f simulated s after %.1f s wall, %,d events%n", done, total, (now - started) / 1e9, events);
        }, null, SERIES_PERIOD_NANOS);
        double cpu = (processCpuNanos() - cpuStarted) / 1e9;
        double threadCpu = (threads.getCurrentThreadCpuTime() - threadCpuStarted) / 1e9;
        long allocatedAfterBoot = allocation.getCurrentThreadAllocatedBytes() - allocatedStarted - bootAllocated[0];
        double wall = (System.nanoTime() - started) / 1e9;
        long heapPeak = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP && pool.getPeakUsage() != null) heapPeak += pool.getPeakUsage().getUsed();
        }
        long gcs = 0, gcMillis = 0;
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            gcs += Math.max(0, gc.getCollectionCount());
            gcMillis += Math.max(0, gc.getCollectionTime());
        }
        long received = ((Number) run.metrics().get("gateway.received")).longValue();
        double simulated = scenario.duration().nanos() / 1e9;
        System.out.printf(Locale.ROOT, "virtual fleet: %,d devices every %s for %s simulated: %.1f s wall (%.1fx real time)%n",
                devices, args[1], args[2], wall, simulated / wall);
        System.out.printf(Locale.ROOT, "  %,d readings received by the gateway core (%,.0f per wall second), missing %s, sampled %s%n",
                received, received / wall, run.metrics().get("gateway.missing"), run.metrics().get("device.sampled"));
        System.out.printf(Locale.ROOT, "  CPU %.1f s (the process: world, GC and JIT; the world's thread alone %.1f s); boot and first simulated second %.1f s wall, %.1f s CPU%n",
                cpu, threadCpu, boot[0], boot[1]);
        // The world's own work per reading after the boot: less noisy than the process's total, which also
        // holds the collector and the compilers; the readings of the first simulated second are counted in.
        System.out.printf(Locale.ROOT, "  the world's thread after the first simulated second: %.1f s, %.2f µs a reading received; allocated %.0f MB, %.0f B a reading (boot: %.0f MB)%n",
                threadCpu - boot[2], (threadCpu - boot[2]) * 1e6 / Math.max(1, received), allocatedAfterBoot / 1e6,
                allocatedAfterBoot / (double) Math.max(1, received), bootAllocated[0] / 1e6);
        System.out.printf(Locale.ROOT, "  digest %s%n", run.digest());
        System.out.printf(Locale.ROOT, "  heap peak %.2f GiB (sum of the heap pools' peaks; -Xmx %.1f GiB), %d GCs taking %.1f s%n",
                heapPeak / (double) (1L << 30), Runtime.getRuntime().maxMemory() / (double) (1L << 30), gcs, gcMillis / 1e3);
        // The notifications come on another thread: wait (a little) until they account for every collection of the run.
        long made = collectionCount() - collectionsBefore;
        for (int wait = 0; wait < 50 && collections.values().stream().mapToLong(t -> t[0]).sum() < made; wait++) Thread.sleep(20);
        collections.forEach((cause, tally) -> System.out.printf(Locale.ROOT, "    %d x %s: %.1f s%n", tally[0], cause, tally[1] / 1e3));
    }
}
