package dev.storyloop.device.exec;

import dev.storyloop.device.time.RealClock;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/** Wakes from other threads ("interrupts") in real time: none lost, and an idle loop sleeps. */
class InterruptWakeTest {
    private static final long WAKES = 1_000_000;

    @Test
    void shouldLoseNoneOfAMillionWakesFromAnotherThread() throws Exception {
        Executor executor = Executor.builder("irq").clock(new RealClock()).build();
        AtomicLong events = new AtomicLong();
        WakerSlot line = new WakerSlot();
        long[] seen = {0};
        long[] polls = {0};
        executor.spawn("handler", Futures.of(cx -> {
            polls[0]++;
            line.register(cx);                 // register first, then look: a wake in between is not lost
            seen[0] = events.get();
            return seen[0] == WAKES ? Poll.READY : Poll.PENDING;
        }));
        AtomicReference<Object> result = new AtomicReference<>();
        Thread loop = new Thread(() -> {
            try {
                result.set(executor.runUntil(() -> executor.liveTasks() == 0));
            } catch (Throwable e) {
                result.set(e);
            }
        }, "loop");
        loop.start();

        Thread producer = new Thread(() -> {
            for (long i = 0; i < WAKES; i++) {
                events.incrementAndGet();
                line.interrupt();
            }
        }, "interrupts");
        producer.start();
        producer.join(TimeUnit.SECONDS.toMillis(60));
        loop.join(TimeUnit.SECONDS.toMillis(60));

        assertThat(result.get()).as("seen %d of %d", seen[0], WAKES).isEqualTo(RunResult.DONE);
        assertThat(seen[0]).isEqualTo(WAKES);
        // Wakes coalesce while the task is queued, so it is polled at most once per wake (plus its first poll).
        assertThat(polls[0]).isBetween(2L, WAKES + 1);
    }

    @Test
    void shouldParkWhileIdleAndWakeOnAnInterrupt() throws Exception {
        Executor executor = Executor.builder("idle").clock(new RealClock()).build();
        LoopRunner runner = LoopRunner.of(executor);
        WaitingLoop waiting = WaitingLoop.start(executor, runner);
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> runner.parks() > 0);
        long parksBefore = runner.parks();
        Thread.sleep(1_000);
        long parksOverASecond = runner.parks() - parksBefore;
        logCpu(waiting.loop, "idle");

        waiting.interrupt();
        waiting.loop.join(10_000);
        assertThat(waiting.loop.isAlive()).as("the interrupt woke the parked loop").isFalse();
        assertThat(runner.idleSpinTurns()).as("PARK never spins").isZero();
        // Parked with no timer, the loop wakes only to re-check its stop flag (every 100 ms): a count, not a CPU time.
        assertThat(parksOverASecond).as("parks over 1 s idle").isLessThanOrEqualTo(20);
    }

    @Test
    void shouldSpinThroughTheBackoffWindowAfterWorkThenParkAndStillWakeOnAnInterrupt() throws Exception {
        Executor executor = Executor.builder("backoff").clock(new RealClock()).build();
        LoopRunner runner = LoopRunner.of(executor, IdleStrategy.BACKOFF, TimeUnit.MILLISECONDS.toNanos(400));
        WaitingLoop waiting = WaitingLoop.start(executor, runner);
        // The window is measured on the loop's clock, so it ends however little CPU the loop got in it.
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> runner.parks() > 0);
        long spinsInTheWindow = runner.idleSpinTurns();
        Thread.sleep(1_000);
        long spinsAfterTheWindow = runner.idleSpinTurns() - spinsInTheWindow;
        logCpu(waiting.loop, "backoff");

        waiting.interrupt();
        waiting.loop.join(10_000);
        assertThat(waiting.loop.isAlive()).as("the interrupt woke the parked loop").isFalse();
        assertThat(spinsInTheWindow).as("idle turns spun in the window after work").isPositive();
        assertThat(spinsAfterTheWindow).as("idle turns spun once the window had passed").isZero();
    }

    /** The loop thread's CPU time goes to the test log as a measurement; the machine is shared, so it is never asserted. */
    private static void logCpu(Thread loop, String name) {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        long cpu = threads.getThreadCpuTime(loop.getId());
        System.out.printf("InterruptWakeTest %s: loop thread CPU %.1f ms%n", name, cpu < 0 ? -1.0 : cpu / 1e6);
    }

    @Test
    void shouldKeepThePoolConsistentWhileStaleWakersHammerReusedSlots() throws Exception {
        Executor executor = Executor.builder("churn").clock(new RealClock()).taskCapacity(4).build();
        // The wakers of the last 64 tasks: live ones, and stale ones whose slots were reused since.
        java.util.concurrent.atomic.AtomicReferenceArray<Waker> seen = new java.util.concurrent.atomic.AtomicReferenceArray<>(64);
        java.util.concurrent.atomic.AtomicBoolean done = new java.util.concurrent.atomic.AtomicBoolean();
        Thread hammer = new Thread(() -> {
            while (!done.get()) {
                for (int i = 0; i < seen.length(); i++) {
                    Waker waker = seen.get(i);
                    if (waker != null) waker.interrupt();
                }
            }
        }, "stale-wakers");
        hammer.start();
        int spawned = 0;
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (spawned < 2_000 && System.nanoTime() < deadline) {
                // A finished task whose wake is still queued keeps its slot until the loop reaches that entry.
                while (true) {
                    int[] polls = {0};
                    int index = spawned % seen.length();
                    boolean placed = executor.trySpawn("t" + spawned, Futures.of(cx -> {
                        if (polls[0] == 0) seen.set(index, cx.waker());
                        return ++polls[0] >= 3 ? Poll.READY : Poll.PENDING; // woken only by the hammer
                    })).isPresent();
                    if (!placed) break;
                    spawned++;
                }
                executor.runBatch();
            }
            executor.runUntil(() -> executor.liveTasks() == 0);
            done.set(true);
            hammer.join(10_000);
            executor.runBatch(); // frees the zombies whose last wakes were still queued
        } finally {
            done.set(true);
            hammer.join(10_000);
        }

        // A slot freed twice would overflow the free list; a leaked one would shrink the pool.
        for (int i = 0; i < 4; i++) executor.spawn("again" + i, Futures.of(cx -> Poll.PENDING));
        assertThat(executor.trySpawn("one too many", Futures.of(cx -> Poll.READY))).isEmpty();
        assertThat(spawned).isGreaterThanOrEqualTo(2_000);
    }

    /** A loop on its own thread whose one task waits for an interrupt; started once the task registered its waker. */
    static final class WaitingLoop {
        final WakerSlot line = new WakerSlot();
        final AtomicLong interrupts = new AtomicLong();
        Thread loop;

        static WaitingLoop start(Executor executor, LoopRunner runner) throws InterruptedException {
            WaitingLoop waiting = new WaitingLoop();
            CountDownLatch started = new CountDownLatch(1);
            executor.spawn("waiter", Futures.of(cx -> {
                waiting.line.register(cx);
                started.countDown();
                return waiting.interrupts.get() > 0 ? Poll.READY : Poll.PENDING;
            }));
            waiting.loop = new Thread(() -> runner.runUntil(() -> executor.liveTasks() == 0), executor.name() + "-loop");
            waiting.loop.start();
            started.await(10, TimeUnit.SECONDS);
            return waiting;
        }

        void interrupt() {
            interrupts.incrementAndGet();
            line.interrupt();
        }
    }
}
