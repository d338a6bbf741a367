package dev.storyloop.bench;

import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.profile.InternalProfiler;
import org.openjdk.jmh.results.AggregationPolicy;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.ScalarResult;

import java.lang.management.ManagementFactory;
import java.util.Collection;
import java.util.List;

/**
 * A JMH profiler that reports the benchmark JVM's CPU time per operation ({@code cpu.time.norm}),
 * beside the wall-clock score: on a machine shared with other builds the wall clock also counts
 * the time the benchmark thread waited for a core, the CPU time does not.
 *
 * <p>It is the whole process's CPU time (the benchmark thread, and also the JIT, GC and JMH's own
 * threads, which are small once warm), divided by the operations of the iteration, as JMH's
 * {@code gc} profiler divides the bytes allocated. Use: {@code -prof dev.storyloop.bench.ProcessCpuProfiler}.
 */
public final class ProcessCpuProfiler implements InternalProfiler {
    private long cpuBeforeNanos;

    @Override
    public String getDescription() {
        return "the JVM's CPU time per operation (immune to waiting for a core on a loaded machine)";
    }

    @Override
    public void beforeIteration(BenchmarkParams benchmarkParams, IterationParams iterationParams) {
        cpuBeforeNanos = processCpuNanos();
    }

    @Override
    public Collection<? extends Result> afterIteration(BenchmarkParams benchmarkParams, IterationParams iterationParams,
                                                       IterationResult result) {
        long cpuNanos = processCpuNanos() - cpuBeforeNanos;
        long ops = result.getMetadata().getAllOps();
        double perOp = ops == 0 ? Double.NaN : (double) cpuNanos / ops;
        return List.of(new ScalarResult("cpu.time.norm", perOp, "ns/op", AggregationPolicy.AVG));
    }

    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }
}
