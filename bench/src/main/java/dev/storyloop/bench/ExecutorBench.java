package dev.storyloop.bench;

import dev.storyloop.device.diag.Diagnostics;
import dev.storyloop.device.exec.Context;
import dev.storyloop.device.exec.Executor;
import dev.storyloop.device.exec.Future;
import dev.storyloop.device.exec.Poll;
import dev.storyloop.device.time.VirtualClock;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * The executor's round trip: a task wakes itself and the loop polls it again.
 *
 * <p>One operation is one {@code runBatch()}: take the task off the run queue, poll it, and inside
 * the poll wake it (a CAS on the task's state word and a push onto the run queue). With
 * {@code diagnostics=true} every poll also feeds the per-task counters and the poll-duration and
 * schedule-delay histograms.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class ExecutorBench {

    @Param({"false", "true"})
    public boolean diagnostics;

    private Executor executor;

    /** Never finishes; wakes itself on every poll, as a busy task does. */
    static final class SelfWaking implements Future<Void> {
        long polls;

        @Override
        public Poll poll(Context cx) {
            polls++;
            cx.waker().wake();
            return Poll.PENDING;
        }

        @Override
        public Void output() {
            return null;
        }
    }

    @Setup
    public void setUp() {
        executor = Executor.builder("bench").clock(new VirtualClock()).build();
        if (diagnostics) Diagnostics.attach(executor);
        executor.spawn("self-waking", new SelfWaking());
    }

    @Benchmark
    public int pollWakeRoundTrip() {
        return executor.runBatch();
    }
}
