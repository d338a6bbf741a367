package dev.storyloop.device.exec;

import dev.storyloop.device.time.RealClock;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * One loop thread stepping several executors in real time, as a live fleet's loop threads do:
 * every poll on that thread, parked until the earliest deadline of all, unparked by an interrupt of
 * any of them. Real time, but only counts and states are asserted.
 */
class SharedLoopTest {
    private static final int EXECUTORS = 50;
    private final RealClock clock = new RealClock();
    private final LoopRunner runner = new LoopRunner(clock, IdleStrategy.PARK, 0, EXECUTORS);
    private final AtomicReference<Throwable> loopFailure = new AtomicReference<>();
    private final Thread loop = new Thread(() -> {
        try {
            runner.runUntil(() -> false);
        } catch (Throwable e) {
            loopFailure.set(e);
        }
    }, "shared-loop");

    @AfterEach
    void stopTheLoop() throws InterruptedException {
        runner.stop();
        loop.join(TimeUnit.SECONDS.toMillis(30));
        assertThat(loop.isAlive()).isFalse();
        assertThat(loopFailure.get()).isNull();
    }

    @Test
    void shouldPollEveryExecutorOnTheOneLoopThreadAndTakeInterruptsForAnyOfThem() throws Exception {
        int wakesEach = 200;
        Set<String> pollThreads = ConcurrentHashMap.newKeySet();
        AtomicLongArray seen = new AtomicLongArray(EXECUTORS);
        AtomicLongArray sent = new AtomicLongArray(EXECUTORS);
        List<Executor> executors = new ArrayList<>();
        List<WakerSlot> lines = new ArrayList<>();
        for (int i = 0; i < EXECUTORS; i++) {
            Executor executor = Executor.builder("dev-" + i).clock(clock).build();
            WakerSlot line = new WakerSlot();
            int index = i;
            executor.spawn("irq-handler", Futures.of(cx -> {
                pollThreads.add(Thread.currentThread().getName());
                line.register(cx); // register first, then look: a wake in between is not lost
                seen.set(index, sent.get(index));
                return seen.get(index) == wakesEach ? Poll.READY : Poll.PENDING;
            }));
            executors.add(executor);
            lines.add(line);
            runner.add(executor);
        }
        loop.start();

        // Interrupts for every executor, in a round-robin, each waiting until its executor has seen the last one.
        Thread producer = new Thread(() -> {
            for (int round = 1; round <= wakesEach; round++) {
                for (int i = 0; i < EXECUTORS; i++) {
                    sent.set(i, round);
                    lines.get(i).interrupt();
                }
                for (int i = 0; i < EXECUTORS; i++) {
                    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                    while (seen.get(i) < round && System.nanoTime() < deadline) Thread.onSpinWait();
                }
            }
        }, "interrupts");
        producer.start();
        producer.join(TimeUnit.SECONDS.toMillis(120));

        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> executors.stream().allMatch(e -> e.liveTasks() == 0));
        for (int i = 0; i < EXECUTORS; i++) assertThat(seen.get(i)).as("wakes seen by dev-%d", i).isEqualTo(wakesEach);
        assertThat(pollThreads).containsExactly("shared-loop");
        assertThat(executors).allSatisfy(e -> assertThat(e.loopThread()).isSameAs(loop));
        assertThat(runner.parks()).as("the loop parked while waiting for interrupts").isPositive();
    }

    @Test
    void shouldWakeAtEachExecutorsOwnDeadlineInDeadlineOrder() throws Exception {
        List<String> order = new CopyOnWriteArrayList<>();
        int[] sleepsMillis = {120, 30, 90, 60};
        for (int i = 0; i < sleepsMillis.length; i++) {
            Executor executor = Executor.builder("sleeper-" + sleepsMillis[i]).clock(clock).build();
            Sleep sleep = Sleep.forMillis(sleepsMillis[i]);
            String name = executor.name();
            executor.spawn("sleep", Futures.of(cx -> {
                if (sleep.poll(cx) == Poll.PENDING) return Poll.PENDING;
                order.add(name);
                return Poll.READY;
            }));
            runner.add(executor);
        }
        loop.start();

        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> order.size() == sleepsMillis.length);

        assertThat(order).containsExactly("sleeper-30", "sleeper-60", "sleeper-90", "sleeper-120");
        // Parked towards the earliest deadline each time, never spinning: a handful of parks, not thousands of turns.
        assertThat(runner.parks()).isPositive();
        assertThat(runner.turns()).as("loop turns for four timers").isLessThan(1_000);
    }

    @Test
    void shouldLetExecutorsJoinThroughTheInboxAndLeaveWhenTheirTaskEnds() throws Exception {
        loop.start();
        AtomicInteger finished = new AtomicInteger();
        List<Executor> joined = new CopyOnWriteArrayList<>();
        List<WakerSlot> stops = new CopyOnWriteArrayList<>();
        boolean[] stopAsked = {false}; // loop thread only
        for (int i = 0; i < 10; i++) {
            String name = "late-" + i;
            boolean handed = runner.execute(() -> {
                // On the loop thread: built here, so bound here from its first spawn.
                Executor executor = Executor.builder(name).clock(clock).build();
                WakerSlot stop = new WakerSlot();
                JoinHandle<Void> task = executor.spawn("main", Futures.of(cx -> {
                    stop.register(cx);
                    return stopAsked[0] ? Poll.READY : Poll.PENDING;
                }));
                runner.add(executor, task::isDone, finished::incrementAndGet);
                stops.add(stop);
                joined.add(executor);
            });
            assertThat(handed).isTrue();
        }
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> joined.size() == 10);
        assertThat(joined).allSatisfy(e -> assertThat(e.boundThread()).isSameAs(loop));

        // Stopped from the loop thread, through the inbox: local wakes, on the thread they are bound to.
        assertThat(runner.execute(() -> {
            stopAsked[0] = true;
            for (WakerSlot stop : stops) stop.wake(WakeSource.DIRECT);
        })).isTrue();
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> finished.get() == 10);

        AtomicInteger left = new AtomicInteger(-1);
        assertThat(runner.execute(() -> left.set(runner.executors()))).isTrue();
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> left.get() >= 0);
        assertThat(left.get()).as("executors left on the loop").isZero();
        assertThat(joined).allSatisfy(e -> assertThat(e.loopThread()).as("no runner steps it").isNull());
    }
}
