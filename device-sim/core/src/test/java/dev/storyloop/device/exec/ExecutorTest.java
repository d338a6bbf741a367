package dev.storyloop.device.exec;

import dev.storyloop.device.memory.MemoryBudget;
import dev.storyloop.device.time.VirtualClock;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ExecutorTest {
    private final EventLog log = new EventLog();
    private final Executor executor = Executor.builder("test").taskCapacity(4).observer(log).build();

    @Test
    void shouldPollSelfWakingTasksInTurnsSoNeitherStarvesTheOther() {
        executor.spawn("A", Futures.selfWaking(2));
        executor.spawn("B", Futures.selfWaking(2));

        executor.runUntil(() -> executor.liveTasks() == 0);

        assertThat(log.only("poll")).containsExactly(
                "poll A", "poll B",
                "poll A", "poll B",
                "poll A", "poll B");
        assertThat(log.events).containsSubsequence("poll A", "wake A by itself", "pend A", "poll B", "wake B by itself", "pend B");
    }

    /** Observers added after the builder's are each told every event, in the order they were added. */
    @Test
    void shouldTellEveryObserverEveryEventInTheOrderTheyWereAdded() {
        List<String> told = new java.util.ArrayList<>();
        boolean[] everyIdle = {false, false, false, false};
        class Tagged implements LoopObserver {
            final int tag;
            Tagged(int tag) { this.tag = tag; }
            @Override public void onSpawn(TaskView task, long now) { told.add(tag + " spawn " + task.name()); }
            @Override public void onWake(TaskView task, WakeSource source, boolean self, long now) { told.add(tag + " wake " + task.name()); }
            @Override public void onPollStart(TaskView task, long wokenAt, long now) { told.add(tag + " poll " + task.name()); }
            @Override public void onPollEnd(TaskView task, Poll result, long start, long end) { told.add(tag + " " + result + " " + task.name()); }
            @Override public void onComplete(TaskView task, Throwable failure, boolean aborted, long now) {
                told.add(tag + (aborted ? " abort " : " done ") + task.name());
            }
            @Override public void onNote(TaskView task, String kind, String subject, long now) { told.add(tag + " " + kind + " " + subject); }
            @Override public void onIdle(Executor idle, long now) { told.add(tag + " idle"); }
            @Override public boolean looksAtEveryIdle() { return everyIdle[tag]; }
        }
        Executor observed = Executor.builder("observed").taskCapacity(4).observer(new Tagged(0)).build();
        for (int tag = 1; tag <= 3; tag++) observed.addObserver(new Tagged(tag));
        observed.spawn("A", Futures.selfWaking(1));
        JoinHandle<Void> stuck = observed.spawn("B", Futures.of(cx -> {
            cx.note("chan.full", () -> "channel 'c'");
            return Poll.PENDING;
        }));
        observed.runBatch();
        observed.runBatch();
        stuck.abort();
        boolean again = observed.idle();

        List<String> events = told.stream().filter(e -> e.startsWith("0 ")).map(e -> e.substring(2)).toList();
        assertThat(events).containsExactly("spawn A", "spawn B", "poll A", "wake A", "PENDING A", "poll B", "chan.full channel 'c'", "PENDING B",
                "poll A", "READY A", "done A", "abort B", "idle");
        List<String> expected = new java.util.ArrayList<>();
        for (String event : events) for (int tag = 0; tag <= 3; tag++) expected.add(tag + " " + event);
        assertThat(told).containsExactlyElementsOf(expected);
        assertThat(again).isFalse();
        for (int tag = 0; tag <= 3; tag++) { // the builder's, the first added, the second, the third composed behind it
            everyIdle[tag] = true;
            assertThat(observed.idle()).as("observer %d looks at every idle turn", tag).isTrue();
            everyIdle[tag] = false;
        }
    }

    @Test
    void shouldRunABatchOnlyOverTheTasksQueuedWhenItStarted() {
        executor.spawn("A", Futures.selfWaking(5));

        assertThat(executor.runBatch()).isEqualTo(1);
        assertThat(executor.runBatch()).isEqualTo(1);
        assertThat(log.only("poll")).containsExactly("poll A", "poll A");
    }

    @Test
    void shouldIgnoreAWakeAfterTheTaskCompleted() {
        Waker[] kept = new Waker[1];
        executor.spawn("A", Futures.of(cx -> {
            kept[0] = cx.waker();
            return Poll.READY;
        }));
        executor.runUntil(() -> executor.liveTasks() == 0);
        int eventsBefore = log.events.size();

        kept[0].wake();
        kept[0].wake();
        executor.runBatch();

        assertThat(log.events).hasSize(eventsBefore);
    }

    @Test
    void shouldNotPollANewTaskThroughAStaleWakerOfItsSlot() {
        Executor single = Executor.builder("one-slot").taskCapacity(1).observer(log).build();
        Waker[] stale = new Waker[1];
        single.spawn("old", Futures.of(cx -> {
            stale[0] = cx.waker();
            return Poll.READY;
        }));
        single.runBatch();
        WakerSlot newTaskSlot = new WakerSlot();
        single.spawn("new", Futures.waitingOn(newTaskSlot));
        single.runBatch();
        assertThat(stale[0].slot).as("the slot was reused").isZero();

        stale[0].wake();
        single.runBatch();

        assertThat(log.only("poll")).containsExactly("poll old", "poll new");
        newTaskSlot.wake(WakeSource.DIRECT);
        single.runBatch();
        assertThat(log.only("poll")).containsExactly("poll old", "poll new", "poll new");
    }

    @Test
    void shouldRepollATaskWokenDuringItsPollExactlyOnce() {
        int[] polls = {0};
        executor.spawn("A", Futures.of(cx -> {
            polls[0]++;
            if (polls[0] == 1) {
                cx.waker().wake();
                cx.waker().wake(); // coalesces with the first
                cx.waker().wake();
            }
            return polls[0] == 3 ? Poll.READY : Poll.PENDING;
        }));

        executor.runBatch();
        executor.runBatch();
        executor.runBatch();

        assertThat(polls[0]).as("polled once more, and then never again without a wake").isEqualTo(2);
        assertThat(log.only("wake")).containsExactly("wake A by itself");
    }

    @Test
    void shouldReportAFullTaskPoolAsAnErrorNamingTheLiveTasks() {
        for (int i = 0; i < 4; i++) executor.spawn("t" + i, Futures.waitingOn(new WakerSlot()));

        assertThat(executor.trySpawn("extra", Futures.selfWaking(0))).isEmpty();
        assertThatThrownBy(() -> executor.spawn("extra", Futures.selfWaking(0)))
                .isInstanceOf(SpawnError.class)
                .hasMessage("test: task pool full (4 slots) spawning 'extra'; live tasks: t0, t1, t2, t3");
    }

    @Test
    void shouldHandTheOutputToTheJoiningTask() {
        JoinHandle<Void> worker = executor.spawn("worker", Sleep.forMillis(5));
        boolean[] joined = {false};
        executor.spawn("joiner", Futures.of(cx -> {
            if (worker.poll(cx) == Poll.PENDING) return Poll.PENDING;
            joined[0] = true;
            return Poll.READY;
        }));

        assertThat(executor.runUntil(() -> joined[0])).isEqualTo(RunResult.DONE);
        assertThat(executor.nowNanos()).isEqualTo(5_000_000L);
        assertThat(log.events).containsSubsequence("done worker", "wake joiner by join:worker", "poll joiner", "done joiner");
    }

    @Test
    void shouldFailOnlyTheTaskThatThrows() {
        JoinHandle<Void> bad = executor.spawn("bad", Futures.of(cx -> {
            throw new IllegalStateException("boom");
        }));
        JoinHandle<Void> good = executor.spawn("good", Futures.selfWaking(1));

        executor.runUntil(() -> executor.liveTasks() == 0);

        assertThat(bad.isFailed()).isTrue();
        assertThat(bad.failure()).hasMessage("boom");
        assertThat(good.isDone()).isTrue();
        assertThat(good.isFailed()).isFalse();
        assertThat(executor.failures()).isEqualTo(1);
    }

    @Test
    void shouldRunTheCancelHookWhenATaskIsAborted() {
        boolean[] cancelled = {false};
        JoinHandle<Void> handle = executor.spawn("victim", new Future<>() {
            final WakerSlot slot = new WakerSlot();
            @Override public Poll poll(Context cx) { slot.register(cx); return Poll.PENDING; }
            @Override public Void output() { return null; }
            @Override public void cancel() { cancelled[0] = true; slot.clear(); }
        });
        executor.runBatch();

        handle.abort();

        assertThat(cancelled[0]).isTrue();
        assertThat(handle.isCancelled()).isTrue();
        assertThat(executor.liveTasks()).isZero();
        assertThat(log.events).endsWith("abort victim");
    }

    @Test
    void shouldStallInVirtualTimeWhenNothingCanEverRunAgain() {
        executor.spawn("forever", Futures.waitingOn(new WakerSlot()));

        assertThat(executor.runUntil(() -> false)).isEqualTo(RunResult.STALLED);
    }

    @Test
    void shouldReserveItsPoolAndTimersInTheBudget() {
        MemoryBudget budget = new MemoryBudget("dev-1", 64 * 1024);
        Executor.builder("dev-1").taskCapacity(8).timerCapacity(32).budget(budget).build();

        assertThat(budget.reservations()).extracting(r -> r.what())
                .containsExactly("task slots", "run queues", "timers");
        assertThat(budget.reservedBytes()).isEqualTo(8 * 512 + 16 * 8 + 32 * 48);
    }

    @Test
    void shouldSleepThroughASimulatedDayInOneTimerJumpPerSleep() {
        VirtualClock clock = new VirtualClock();
        Executor day = Executor.builder("day").clock(clock).build();
        int seconds = 86_400;
        Sleep sleep = Sleep.forMillis(1_000);
        int[] slept = {0};
        day.spawn("sleeper", Futures.of(cx -> {
            while (slept[0] < seconds) {
                if (sleep.poll(cx) == Poll.PENDING) return Poll.PENDING;
                slept[0]++;
                sleep.reset(1_000_000_000L);
            }
            return Poll.READY;
        }));
        long wallStart = System.nanoTime();

        assertThat(day.runUntil(() -> day.liveTasks() == 0)).isEqualTo(RunResult.DONE);

        long wallNanos = System.nanoTime() - wallStart;
        assertThat(clock.nanos()).isEqualTo(86_400L * 1_000_000_000L);
        assertThat(slept[0]).isEqualTo(seconds);
        // Virtual time never waits for real time: a day of sleeps is only 86,400 timer jumps. The wall
        // time goes to the log; the machine is shared, so it is not asserted.
        System.out.printf("ExecutorTest: a simulated day of 1 s sleeps took %.0f ms of wall time%n", wallNanos / 1e6);
    }

    @Test
    void shouldYieldToTheOtherRunnableTasks() {
        YieldNow yield = YieldNow.create();
        executor.spawn("yielder", Futures.of(cx -> yield.poll(cx)));
        executor.spawn("other", Futures.selfWaking(0));

        executor.runUntil(() -> executor.liveTasks() == 0);

        assertThat(log.only("poll", "ready")).containsExactly(
                "poll yielder", "poll other", "ready other", "poll yielder", "ready yielder");
    }

    @Test
    void shouldListOnlyLiveTasks() {
        executor.spawn("a", Futures.waitingOn(new WakerSlot()));
        executor.spawn("b", Futures.selfWaking(0));
        executor.runBatch();
        List<String> names = new java.util.ArrayList<>();

        executor.forEachTask(task -> names.add(task.name() + ":" + task.state()));

        assertThat(names).containsExactly("a:PENDING");
    }
}
