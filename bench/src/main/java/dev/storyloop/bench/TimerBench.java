package dev.storyloop.bench;

import dev.storyloop.device.time.Timer;
import dev.storyloop.device.time.TimerQueue;
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

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/** Arming and firing one timer in a queue that already holds {@code pending} others. */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class TimerBench {

    @Param({"10", "100000"})
    public int pending;

    private TimerQueue queue;
    private final Timer probe = new Timer() {
        @Override protected void onFire(long nowNanos) {}
    };
    private long now;

    @Setup
    public void setUp() {
        queue = new TimerQueue(pending + 1);
        SplittableRandom random = new SplittableRandom(7);
        for (int i = 0; i < pending; i++) {
            queue.arm(new Timer() {
                @Override protected void onFire(long nowNanos) {}
            }, Long.MAX_VALUE / 2 + random.nextLong(1_000_000_000L));
        }
    }

    @Benchmark
    public int armAndFire() {
        now += 1_000;
        queue.arm(probe, now);
        return queue.fire(now, 1);
    }
}
