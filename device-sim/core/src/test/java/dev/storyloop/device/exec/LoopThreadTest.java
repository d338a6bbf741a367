package dev.storyloop.device.exec;

import dev.storyloop.device.time.VirtualClock;
import org.junit.jupiter.api.Test;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The loop thread: bound explicitly, checked on every local wake, spawn and step, so a wrong thread is an error and not a different trace. */
class LoopThreadTest {
    private final EventLog log = new EventLog();
    private final VirtualClock clock = new VirtualClock();
    private final Executor executor = Executor.builder("dev-1").clock(clock).taskCapacity(4).observer(log).build();

    @Test
    void shouldFailLoudlyNamingBothThreadsWhenATaskIsWokenLocallyFromAnotherThread() throws Exception {
        WakerSlot line = new WakerSlot();
        executor.spawn("waiter", Futures.waitingOn(line));
        executor.runBatch();
        assertThat(executor.hasRunnable()).isFalse();

        Throwable thrown = onThread("intruder", () -> line.wake(WakeSource.DIRECT));

        assertThat(thrown).isInstanceOf(AssertionError.class)
                .hasMessageContaining("'intruder'")
                .hasMessageContaining("'" + Thread.currentThread().getName() + "'")
                .hasMessageContaining("task 'waiter'")
                .hasMessageContaining("Waker.interrupt()");
        assertThat(executor.hasRunnable()).as("the wrong thread queued nothing").isFalse();
    }

    @Test
    void shouldTakeAnInterruptFromAnyThreadAtTheNextBatch() throws Exception {
        WakerSlot line = new WakerSlot();
        executor.spawn("waiter", Futures.waitingOn(line));
        executor.runBatch();

        Throwable thrown = onThread("irq", line::interrupt);

        assertThat(thrown).isNull();
        assertThat(executor.hasRunnable()).isTrue();
        assertThat(executor.runBatch()).isEqualTo(1);
        assertThat(log.events).contains("wake waiter by interrupt");
    }

    @Test
    void shouldTakeTheLocalPathOnTheLoopThreadAndTheInterruptPathElsewhereWhenTheCallerSaysEitherIsRight() throws Exception {
        WakerSlot line = new WakerSlot();
        executor.spawn("waiter", Futures.waitingOn(line));
        executor.runBatch();

        line.wakeFromAnyThread(() -> "gpio");
        assertThat(log.events).contains("wake waiter by gpio");
        executor.runBatch();
        assertThat(onThread("worker", () -> line.wakeFromAnyThread(() -> "gpio"))).isNull();
        executor.runBatch();

        assertThat(log.only("wake")).containsExactly("wake waiter by gpio", "wake waiter by interrupt");
    }

    @Test
    void shouldFailLoudlyWhenAnotherThreadSpawnsOrSteps() throws Exception {
        assertThat(onThread("stranger", () -> executor.spawn("late", Futures.ready(1))))
                .isInstanceOf(AssertionError.class).hasMessageContaining("spawn of 'late'").hasMessageContaining("'stranger'");
        assertThat(onThread("stranger", executor::runBatch))
                .isInstanceOf(AssertionError.class).hasMessageContaining("a step").hasMessageContaining("'stranger'");
    }

    @Test
    void shouldBindTheRunnersThreadWhenItStartsSteppingSoTheBuildersThreadIsThenTheWrongOne() throws Exception {
        Waker[] kept = new Waker[1];
        executor.spawn("main", Futures.of(cx -> {
            kept[0] = cx.waker();
            return Poll.PENDING;
        }));
        LoopRunner runner = LoopRunner.of(executor);
        assertThat(onThread("loop", () -> assertThat(runner.runFor(1_000)).isEqualTo(RunResult.TIME_LIMIT))).isNull();

        assertThat(executor.boundThread().getName()).isEqualTo("loop");
        assertThatThrownBy(kept[0]::wake).isInstanceOf(AssertionError.class)
                .hasMessageContaining("'" + Thread.currentThread().getName() + "'").hasMessageContaining("'loop'");
        executor.bindLoopThread();
        kept[0].wake();
        assertThat(executor.hasRunnable()).isTrue();
    }

    @Test
    void shouldRefuseToRebindAnExecutorThatARunnerStepsOnAnotherThread() throws Exception {
        executor.spawn("main", Futures.of(cx -> {
            cx.waker().wake(); // busy for ever: virtual time would otherwise stall and end the run
            return Poll.PENDING;
        }));
        LoopRunner runner = LoopRunner.of(executor);
        Thread loop = new Thread(() -> runner.runUntil(() -> false), "loop");
        loop.start();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (executor.loopThread() == null && System.nanoTime() < deadline) Thread.onSpinWait();
            assertThat(executor.loopThread()).isSameAs(loop);

            assertThatThrownBy(executor::bindLoopThread).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("stepped on thread 'loop'");
            assertThatThrownBy(() -> LoopRunner.of(executor).runFor(1)).isInstanceOf(IllegalStateException.class);
        } finally {
            runner.stop();
            loop.join(TimeUnit.SECONDS.toMillis(30));
        }
        assertThat(loop.isAlive()).isFalse();
        assertThat(executor.loopThread()).as("no runner steps it any more").isNull();
    }

    /** Runs {@code action} on a new thread named {@code name}; returns what it threw, or null. */
    private static Throwable onThread(String name, Runnable action) throws InterruptedException {
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        Thread thread = new Thread(() -> {
            try {
                action.run();
            } catch (Throwable e) {
                thrown.set(e);
            }
        }, name);
        thread.start();
        thread.join(TimeUnit.SECONDS.toMillis(30));
        assertThat(thread.isAlive()).isFalse();
        return thrown.get();
    }
}
