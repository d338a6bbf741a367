package dev.storyloop.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Where the CPU went during a measured window of a live benchmark: this JVM's threads grouped by
 * what they do (device loops, bare publishers, Paho, Vert.x), the rest of the JVM (GC, JIT), the
 * broker process, and the whole machine (which includes other people's work on a shared machine).
 *
 * <p>Thread CPU comes from {@link java.lang.management.ThreadMXBean#getThreadCpuTime}, the JVM's from the process CPU
 * time, the broker's and the machine's from {@code /proc}; a thread that started inside the window
 * counts from zero, one that ended inside it is missing from the groups (and lands in "JVM other").
 */
final class CpuBooks {
    private static final com.sun.management.ThreadMXBean THREADS = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    private static final com.sun.management.OperatingSystemMXBean OS =
            (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    /** Linux's USER_HZ, the unit of {@code /proc/PID/stat} and {@code /proc/stat}: 100 on every mainstream kernel. */
    private static final long CLOCK_TICKS_PER_SECOND = 100;

    private final Map<Long, Long> threadCpuNanos;
    private final Map<Long, String> threadGroups;
    private final Map<Long, Long> threadAllocatedBytes;
    private final long processCpuNanos;
    private final long brokerCpuNanos;
    private final long machineBusyTicks;
    private final long machineTotalTicks;
    private final long wallNanos;

    private CpuBooks(Map<Long, Long> threadCpuNanos, Map<Long, String> threadGroups, Map<Long, Long> threadAllocatedBytes, long processCpuNanos, long brokerCpuNanos,
                     long machineBusyTicks, long machineTotalTicks, long wallNanos) {
        this.threadCpuNanos = threadCpuNanos;
        this.threadGroups = threadGroups;
        this.threadAllocatedBytes = threadAllocatedBytes;
        this.processCpuNanos = processCpuNanos;
        this.brokerCpuNanos = brokerCpuNanos;
        this.machineBusyTicks = machineBusyTicks;
        this.machineTotalTicks = machineTotalTicks;
        this.wallNanos = wallNanos;
    }

    /** A snapshot now; {@code brokerPid} is the broker's process (its CPU from {@code /proc}), or -1. */
    static CpuBooks take(long brokerPid) {
        Map<Long, Long> cpu = new HashMap<>();
        Map<Long, String> groups = new HashMap<>();
        Map<Long, Long> allocated = new HashMap<>();
        for (ThreadInfo info : THREADS.getThreadInfo(THREADS.getAllThreadIds())) {
            if (info == null) continue; // ended between the two calls
            long nanos = THREADS.getThreadCpuTime(info.getThreadId());
            if (nanos < 0) continue;
            cpu.put(info.getThreadId(), nanos);
            groups.put(info.getThreadId(), group(info.getThreadName()));
            allocated.put(info.getThreadId(), THREADS.getThreadAllocatedBytes(info.getThreadId()));
        }
        long[] machine = machineTicks();
        return new CpuBooks(cpu, groups, allocated, OS.getProcessCpuTime(), brokerPid < 0 ? 0 : processCpuNanos(brokerPid), machine[0], machine[1],
                System.nanoTime());
    }

    /** The group a thread belongs to, by the names storyloop, Paho and Vert.x give their threads. */
    static String group(String threadName) {
        if (threadName.startsWith("device-")) return "device loops";
        if (threadName.startsWith(BareMqtt.PUBLISHER_THREAD_PREFIX)) return "bare publishers";
        if (threadName.startsWith("MQTT ")) return "Paho threads";
        if (threadName.startsWith("vert.x-eventloop")) return "Vert.x event loops";
        return "other JVM threads";
    }

    /** CPU nanoseconds per group from {@code before} to this snapshot, in name order; plus "JVM other (GC, JIT)" and "mosquitto". */
    Map<String, Long> since(CpuBooks before) {
        Map<String, Long> out = new TreeMap<>();
        long threadsTotal = 0;
        for (Map.Entry<Long, Long> thread : threadCpuNanos.entrySet()) {
            long delta = thread.getValue() - before.threadCpuNanos.getOrDefault(thread.getKey(), 0L);
            out.merge(threadGroups.get(thread.getKey()), delta, Long::sum);
            threadsTotal += delta;
        }
        out.put("JVM other (GC, JIT)", Math.max(0, processCpuNanos - before.processCpuNanos - threadsTotal));
        out.put("mosquitto", brokerCpuNanos - before.brokerCpuNanos);
        return out;
    }

    /** One line: each group in cores (CPU seconds per second) and microseconds per message, and how busy the machine was. */
    String line(CpuBooks before, long messages) {
        double seconds = (wallNanos - before.wallNanos) / 1e9;
        StringBuilder out = new StringBuilder();
        for (Map.Entry<String, Long> group : since(before).entrySet()) {
            if (group.getValue() == 0) continue;
            if (out.length() > 0) out.append("; ");
            out.append(String.format(Locale.ROOT, "%s %.2f cores %.1f us/msg", group.getKey(), group.getValue() / 1e9 / seconds,
                    messages == 0 ? 0.0 : group.getValue() / 1e3 / messages));
        }
        long total = machineTotalTicks - before.machineTotalTicks;
        double busyCores = total == 0 ? 0 : (double) (machineBusyTicks - before.machineBusyTicks) / total * Runtime.getRuntime().availableProcessors();
        out.append(String.format(Locale.ROOT, "; machine busy %.2f of %d cores (everything on it)", busyCores,
                Runtime.getRuntime().availableProcessors()));
        return out.toString();
    }

    /** CPU nanoseconds of one group's threads from {@code before} to this snapshot. */
    long groupCpuNanos(CpuBooks before, String group) {
        return since(before).getOrDefault(group, 0L);
    }

    /** Bytes one group's threads allocated from {@code before} to this snapshot (threads that ended meanwhile are missing). */
    long groupAllocatedBytes(CpuBooks before, String group) {
        long bytes = 0;
        for (Map.Entry<Long, Long> thread : threadAllocatedBytes.entrySet()) {
            if (!group.equals(threadGroups.get(thread.getKey())) || thread.getValue() < 0) continue;
            bytes += thread.getValue() - before.threadAllocatedBytes.getOrDefault(thread.getKey(), 0L);
        }
        return bytes;
    }

    long wallNanos() {
        return wallNanos;
    }

    private static long processCpuNanos(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            // The command name (field 2) is in parentheses and may hold spaces: count fields after its ')'.
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            long ticks = Long.parseLong(fields[11]) + Long.parseLong(fields[12]); // utime, stime (fields 14 and 15)
            return ticks * 1_000_000_000L / CLOCK_TICKS_PER_SECOND;
        } catch (IOException | RuntimeException e) {
            return 0; // not Linux, or the process is gone: reported as no CPU, never as a failure of the benchmark
        }
    }

    /** {busy, total} ticks of all cores from the first line of {@code /proc/stat}; {0, 0} where there is none. */
    private static long[] machineTicks() {
        try {
            String[] cpu = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
            long total = 0;
            for (int i = 1; i < Math.min(cpu.length, 9); i++) total += Long.parseLong(cpu[i]);
            long idle = Long.parseLong(cpu[4]) + Long.parseLong(cpu[5]); // idle, iowait
            return new long[] {total - idle, total};
        } catch (IOException | RuntimeException e) {
            return new long[] {0, 0};
        }
    }
}
