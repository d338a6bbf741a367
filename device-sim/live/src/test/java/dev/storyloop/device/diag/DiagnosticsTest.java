package dev.storyloop.device.diag;

import dev.storyloop.device.chan.Channel;
import dev.storyloop.device.chan.OverflowPolicy;
import dev.storyloop.device.exec.Executor;
import dev.storyloop.device.exec.Futures;
import dev.storyloop.device.exec.Poll;
import dev.storyloop.device.exec.Sleep;
import dev.storyloop.device.exec.WakeSource;
import dev.storyloop.device.exec.WakerSlot;
import dev.storyloop.device.time.Clock;
import dev.storyloop.device.time.RealClock;
import dev.storyloop.device.time.VirtualClock;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class DiagnosticsTest {

    @Test
    void shouldReportAFutureThatReturnsPendingWithoutRegisteringItsWaker() {
        Executor executor = Executor.builder("dev").clock(new VirtualClock()).build();
        Diagnostics diag = Diagnostics.attach(executor);
        List<Object> reports = new ArrayList<>();
        diag.onReport(reports::add);
        Object tokenSource = new Object() {
            @Override public String toString() { return "token from source of truth"; }
        };
        executor.spawn("token-refresh", Futures.of(cx -> {
            cx.waitingOn(tokenSource);
            return Poll.PENDING; // the bug: nobody was given the waker
        }));
        executor.spawn("sampler", Sleep.forMillis(1));

        executor.runBatch();
        executor.idle(); // one idle turn

        assertThat(diag.lostWakers()).hasSize(1);
        LostWakerReport report = diag.lostWakers().get(0);
        assertThat(report.task()).isEqualTo("token-refresh");
        assertThat(report.lastWaitingOn()).isEqualTo("token from source of truth");
        assertThat(reports).containsExactly(report);
        assertThat(report.toString()).startsWith("lost waker: task 'token-refresh' (#0.0) is pending after 1 polls");

        executor.idle();
        assertThat(diag.lostWakerCount()).as("one report per stall").isEqualTo(1);
    }

    @Test
    void shouldNotReportTasksThatSomethingCanStillWake() {
        Executor executor = Executor.builder("dev").clock(new VirtualClock()).build();
        Diagnostics diag = Diagnostics.attach(executor);
        WakerSlot interrupt = new WakerSlot();
        executor.spawn("irq", Futures.waitingOn(interrupt));
        executor.spawn("sleeper", Sleep.forMillis(100));
        Channel<Integer> channel = Channel.unbudgeted("q", 1, OverflowPolicy.BLOCK);
        executor.spawn("receiver", channel.receiver().recv());

        executor.runBatch();
        executor.idle();

        assertThat(diag.lostWakers()).isEmpty();
    }

    @Test
    void shouldReportAWakerLostWhenAnotherTaskTookItsRegistration() {
        Executor executor = Executor.builder("dev").clock(new VirtualClock()).build();
        Diagnostics diag = Diagnostics.attach(executor);
        WakerSlot shared = new WakerSlot(); // one slot, two waiters: the first registration is overwritten
        executor.spawn("first", Futures.waitingOn(shared));
        executor.spawn("second", Futures.waitingOn(shared));

        executor.runBatch();
        executor.idle();

        assertThat(diag.lostWakers()).extracting(LostWakerReport::task).containsExactly("first");
        shared.wake(WakeSource.DIRECT);
    }

    /** A real-time clock (not virtual) whose time the test sets, so the live idle-check interval can be stepped through. */
    private static final class SteppedRealClock implements Clock {
        long nanos;

        @Override public long nanos() { return nanos; }
        @Override public boolean isVirtual() { return false; }
    }

    @Test
    void shouldWalkTheTasksAtMostOncePerIntervalInRealTimeAndStillReportEveryStall() {
        SteppedRealClock clock = new SteppedRealClock();
        Executor executor = Executor.builder("live").clock(clock).build();
        Diagnostics diag = Diagnostics.attach(executor);
        executor.spawn("first", Futures.of(cx -> Poll.PENDING)); // pending, and nobody holds its waker
        executor.runBatch();
        executor.idle();
        assertThat(diag.lostWakerCount()).as("the first idle turn checks").isEqualTo(1);

        executor.spawn("second", Futures.of(cx -> Poll.PENDING));
        executor.runBatch();
        clock.nanos = Diagnostics.IDLE_CHECK_INTERVAL_LIVE_NANOS - 1;
        executor.idle();
        assertThat(diag.lostWakerCount()).as("within the interval the tasks are not walked again").isEqualTo(1);

        clock.nanos = Diagnostics.IDLE_CHECK_INTERVAL_LIVE_NANOS;
        executor.idle();
        assertThat(diag.lostWakers()).extracting(LostWakerReport::task).containsExactly("first", "second");
    }

    @Test
    void shouldCheckAtEveryIdleTurnInVirtualTime() {
        Executor executor = Executor.builder("sim").clock(new VirtualClock()).build();
        Diagnostics diag = Diagnostics.attach(executor);
        executor.spawn("first", Futures.of(cx -> Poll.PENDING));
        executor.runBatch();
        executor.idle();
        executor.spawn("second", Futures.of(cx -> Poll.PENDING));
        executor.runBatch();
        executor.idle(); // the same virtual instant

        assertThat(diag.lostWakers()).extracting(LostWakerReport::task).containsExactly("first", "second");
    }

    @Test
    void shouldReportAPollThatBlocksTheLoopWithItsStack() {
        Executor executor = Executor.builder("live").clock(new RealClock()).build();
        Diagnostics diag = Diagnostics.attach(executor, 10_000_000L);
        LoopWatchdog watchdog = diag.startWatchdog();
        try {
            executor.spawn("hmac-inline", Futures.of(cx -> {
                try {
                    Thread.sleep(50); // a synchronous native call on the loop thread
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return Poll.READY;
            }));
            executor.runUntil(() -> executor.liveTasks() == 0);
        } finally {
            watchdog.close();
        }

        assertThat(diag.longPolls()).hasSize(1);
        LongPollReport report = diag.longPolls().get(0);
        assertThat(report.task()).isEqualTo("hmac-inline");
        assertThat(report.durationNanos()).isGreaterThanOrEqualTo(50_000_000L);
        assertThat(report.stack()).contains("java.lang.Thread.sleep").contains("DiagnosticsTest");
    }

    @Test
    void shouldSeeVirtualTimeSpentInsideAPollAsALongPoll() {
        VirtualClock clock = new VirtualClock();
        Executor executor = Executor.builder("sim").clock(clock).build();
        Diagnostics diag = Diagnostics.attach(executor);
        executor.spawn("hmac-inline", Futures.of(cx -> {
            clock.spend(40_000_000L);
            return Poll.READY;
        }));

        executor.runUntil(() -> executor.liveTasks() == 0);

        assertThat(diag.longPolls()).singleElement().satisfies(r -> {
            assertThat(r.durationNanos()).isEqualTo(40_000_000L);
            assertThat(r.stack()).isNull();
        });
    }

    @Test
    void shouldDumpOneLinePerTaskSayingWhatItWaitsOn() {
        VirtualClock clock = new VirtualClock();
        Executor executor = Executor.builder("pi-1").clock(clock).taskCapacity(4).build();
        Diagnostics diag = Diagnostics.attach(executor);
        Channel<Integer> uplink = Channel.unbudgeted("uplink", 1, OverflowPolicy.BLOCK);
        uplink.trySend(1);
        executor.spawn("sampler", uplink.<Integer>sender().send(2));
        executor.spawn("publisher", Sleep.forMillis(1500));
        executor.spawn("stuck", Futures.of(cx -> Poll.PENDING));
        executor.runBatch();
        clock.advanceTo(500_000_000L);

        String dump = diag.dump();

        assertThat(dump.lines()).containsExactly(
                "executor 'pi-1' at 0.500000 s: 3 of 4 task slots live",
                "  #0   sampler              PENDING  polls=1        self-wake=  0.0% max-poll=0.000ms for 0.500000s waiting on capacity of channel 'uplink'",
                "  #1   publisher            PENDING  polls=1        self-wake=  0.0% max-poll=0.000ms for 0.500000s waiting on timer until 1.500000 s",
                "  #2   stuck                PENDING  polls=1        self-wake=  0.0% max-poll=0.000ms for 0.500000s waiting on null [NO WAKER HELD]");
    }

    @Test
    void shouldCountSelfWakes() {
        Executor executor = Executor.builder("dev").clock(new VirtualClock()).build();
        Diagnostics diag = Diagnostics.attach(executor);
        executor.spawn("spinner", Futures.selfWaking(9));

        executor.runUntil(() -> executor.liveTasks() == 0);

        assertThat(diag.polls(0)).isEqualTo(10);
        assertThat(diag.selfWakeShare(0)).isEqualTo(1.0);
        assertThat(diag.pollDurations().getTotalCount()).isEqualTo(10);
    }
}
