package dev.storyloop.bench;

import dev.storyloop.device.diag.TraceRecorder;
import dev.storyloop.device.exec.Poll;
import dev.storyloop.device.exec.TaskView;
import dev.storyloop.device.exec.WakeSource;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * What the trace costs a task's turn: the wake, poll and ready records of one task (three records,
 * digested in blocks), as a simulated device's loop makes them for every task it runs.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(2)
public class TraceRecorderBench {
    private final TraceRecorder recorder = TraceRecorder.digestOnly("meter-17");
    private final WakeSource source = () -> "channel 'uplink'";
    private final TaskView task = new TaskView() {
        @Override public String name() { return "uplink"; }
        @Override public int slot() { return 2; }
        @Override public int generation() { return 0; }
        @Override public State state() { return State.PENDING; }
        @Override public Object waitingOn() { return null; }
        @Override public int wakerHolders() { return 1; }
        @Override public long polls() { return 0; }
        @Override public long sinceNanos() { return 0; }
    };
    private long now;

    @Benchmark
    public long wakePollReady() {
        now += 1_000_000;
        recorder.onWake(task, source, false, now);
        recorder.onPollStart(task, now, now);
        recorder.onPollEnd(task, Poll.READY, now, now);
        return recorder.events();
    }
}
