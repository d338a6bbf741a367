package dev.storyloop.bench;

import dev.storyloop.stories.run.RunResult;
import dev.storyloop.stories.run.SimRunner;
import dev.storyloop.stories.scenario.Scenario;
import dev.storyloop.stories.scenario.ScenarioFile;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.util.Locale;

/**
 * The virtual fleet: N simulated devices (firmware on their executors, the simulated broker and
 * links, the gateway core next to the broker, no in-flight limit towards it: Mosquitto's default
 * of 20 over a 10 ms round trip would cap the fleet at 2,000 msg/s) on one thread and one virtual clock. The devices keep
 * MQTT's usual 60 s keepalive (a meter that publishes once a minute then hardly ever pings). Prints wall time, simulated
 * messages per wall second, the speed-up over real time and the heap's peak.
 *
 * <p>Usage: {@code VirtualFleetBench DEVICES PERIOD DURATION} (e.g. {@code 100000 1m 1h}).
 */
public final class VirtualFleetBench {
    private VirtualFleetBench() {}

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
                  - {claim: "every reading arrives", metric: run.gateway.missing, op: "==", value: 0}
                """.formatted(args[2], devices, args[1]);
        Scenario scenario = ScenarioFile.parse("virtual fleet", yaml);
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) pool.resetPeakUsage();
        long started = System.nanoTime();
        long[] lastPrint = {started};
        RunResult run = SimRunner.run(scenario, scenario.variants().get(0), 1, (variant, done, total, events) -> {
            long now = System.nanoTime();
            if (now - lastPrint[0] < 10_000_000_000L) return;
            lastPrint[0] = now;
            System.out.printf(Locale.ROOT, "  %.0f / %.0f simulated s after %.1f s wall, %,d events%n", done, total, (now - started) / 1e9, events);
        });
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
        System.out.printf(Locale.ROOT, "  heap peak %.2f GiB (sum of the heap pools' peaks; -Xmx %.1f GiB), %d GCs taking %.1f s%n",
                heapPeak / (double) (1L << 30), Runtime.getRuntime().maxMemory() / (double) (1L << 30), gcs, gcMillis / 1e3);
    }
}
