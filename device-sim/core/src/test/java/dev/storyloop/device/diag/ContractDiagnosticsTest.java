package dev.storyloop.device.diag;

import dev.storyloop.device.chan.Channel;
import dev.storyloop.device.chan.OverflowPolicy;
import dev.storyloop.device.exec.Closable;
import dev.storyloop.device.exec.Context;
import dev.storyloop.device.exec.Executor;
import dev.storyloop.device.exec.Future;
import dev.storyloop.device.exec.JoinHandle;
import dev.storyloop.device.exec.Poll;
import dev.storyloop.device.exec.Sleep;
import dev.storyloop.device.exec.Timeout;
import dev.storyloop.device.exec.Waker;
import dev.storyloop.device.exec.WakerSlot;
import dev.storyloop.device.time.VirtualClock;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class ContractDiagnosticsTest {
    private final VirtualClock clock = new VirtualClock();
    private final Executor executor = Executor.builder("dev").clock(clock).build();
    private final Diagnostics diag = Diagnostics.attach(executor);
    private final List<Object> reports = new ArrayList<>();

    {
        diag.onReport(reports::add);
    }

    /** A user primitive: a one-shot latch that keeps the waiting task's waker in a field of its own. */
    static final class Latch {
        private Waker waiter;
        private boolean open;

        Future<Void> await() {
            return Future.of((cx, out) -> {
                if (open) return Poll.READY;
                if (waiter == null) {
                    waiter = cx.waker();
                    waiter.retain(); // the public way to hold a waker: the lost-waker check counts it
                }
                return Poll.PENDING;
            });
        }

        void open() {
            open = true;
            if (waiter != null) {
                waiter.wake();
                waiter.release();
                waiter = null;
            }
        }
    }

    @Test
    void shouldNotReportAFutureThatKeepsItsWakerItselfAsLost() {
        Latch latch = new Latch();
        JoinHandle<Void> waiting = executor.spawn("await-latch", latch.await());
        Sleep later = Sleep.forMillis(50);
        executor.spawn("opener", Future.of((cx, out) -> {
            if (later.poll(cx) == Poll.PENDING) return Poll.PENDING;
            latch.open();
            return Poll.READY;
        }));

        executor.runUntil(waiting::isDone); // idles, and checks, at 0 ms, before the latch opens at 50 ms

        assertThat(waiting.isDone()).isTrue();
        assertThat(clock.nanos()).isEqualTo(50_000_000L);
        assertThat(diag.lostWakers()).isEmpty();
    }

    /** Spawns {@code name}, a task that keeps its waker (retained) and stays pending; polls it and idles once. */
    private Waker spawnKeepingItsWaker(String name) {
        Waker[] kept = {null};
        executor.spawn(name, Future.of((cx, out) -> {
            if (kept[0] == null) {
                kept[0] = cx.waker();
                kept[0].retain();
            }
            return Poll.PENDING;
        }));
        executor.runBatch();
        executor.idle();
        return kept[0];
    }

    @Test
    void shouldStillReportAKeptWakerThatWasReleasedWithoutAWake() {
        Waker kept = spawnKeepingItsWaker("forgotten");
        assertThat(diag.lostWakers()).isEmpty();

        kept.release(); // given up without waking: now nothing can wake the task
        executor.idle();

        assertThat(diag.lostWakers()).extracting(LostWakerReport::task).containsExactly("forgotten");
    }

    /** The same, with the waker given up on another thread (a callback's): the next idle turn still finds the task. */
    @Test
    void shouldReportAKeptWakerReleasedOnAnotherThread() throws InterruptedException {
        Waker kept = spawnKeepingItsWaker("forgotten-elsewhere");
        Thread callback = new Thread(kept::release, "callback");
        callback.start();
        callback.join();
        executor.idle();

        assertThat(diag.lostWakers()).extracting(LostWakerReport::task).containsExactly("forgotten-elsewhere");
    }

    /** A task polled again that now waits with no waker held at all: found at the idle turn after that poll. */
    @Test
    void shouldReportATaskThatDroppedItsOnlyHolderAtItsOwnPoll() {
        Waker[] kept = {null};
        Sleep tick = Sleep.forMillis(10);
        executor.spawn("drops-it", Future.of((cx, out) -> {
            if (tick.poll(cx) == Poll.PENDING) return Poll.PENDING; // the first poll: the sleep holds the waker
            return Poll.PENDING; // woken by the sleep, it keeps nothing: lost
        }));
        executor.spawn("bystander", Future.of((cx, out) -> Poll.PENDING));
        executor.runBatch();
        executor.idle();
        assertThat(diag.lostWakers()).extracting(LostWakerReport::task).containsExactly("bystander");

        executor.runFor(20_000_000L);

        assertThat(diag.lostWakers()).extracting(LostWakerReport::task).containsExactly("bystander", "drops-it");
    }

    /**
     * A task polled again that now waits on something that closed before that poll (its close counted
     * then, not since): found at the idle turn after the poll, though its waker's holder never let go.
     */
    @Test
    void shouldReportAWaitOnAResourceAlreadyClosedWhenTheTaskWasPolled() {
        boolean[] closed = {false};
        Closable door = new Closable() {
            @Override public boolean isClosed() { return closed[0]; }
            @Override public boolean closingIsCounted() { return true; }
        };
        WakerSlot keep = new WakerSlot();
        Waker[] poller = {null};
        int[] polls = {0};
        executor.spawn("poller", Future.<Void>of((cx, out) -> {
            keep.register(cx); // held all along: never a lost waker
            poller[0] = cx.waker();
            if (polls[0]++ >= 1) cx.waitingOn(door);
            return Poll.PENDING;
        }));
        executor.runBatch();
        executor.idle();
        closed[0] = true;
        Closable.countClose();
        executor.idle(); // the close is looked at here: nothing waits on the door yet
        assertThat(diag.closedWaits()).isEmpty();

        poller[0].wake(); // polled again: now it waits on the closed door
        executor.runBatch();
        executor.idle();

        assertThat(diag.closedWaits()).extracting(ClosedWaitReport::task).containsExactly("poller");
        assertThat(diag.lostWakers()).isEmpty();
    }

    @Test
    void shouldReportAFailedTaskWithItsExceptionAndWhatItWaitedOn() {
        Channel<String> commands = Channel.unbudgeted("cmds", 2, OverflowPolicy.BLOCK);
        Future<String> recv = commands.<String>receiver().recv();
        JoinHandle<Void> handle = executor.spawn("commands", Future.<Void>of((cx, out) -> {
            if (recv.poll(cx) == Poll.PENDING) return Poll.PENDING;
            throw new IllegalArgumentException("bad command: " + recv.output());
        }));
        executor.runBatch();
        commands.trySend("reboot-now");

        executor.runUntil(() -> executor.liveTasks() == 0);

        assertThat(handle.isFailed()).isTrue();
        assertThat(diag.failedTasks()).isEqualTo(1);
        FailedTaskReport report = diag.failedTaskReports().get(0);
        assertThat(report.task()).isEqualTo("commands");
        assertThat(report.failure()).hasMessage("bad command: reboot-now");
        assertThat(report.waitingOn()).isEqualTo("an item in channel 'cmds'");
        assertThat(report.toString()).startsWith("failed task: task 'commands' (#0.0) threw java.lang.IllegalArgumentException: bad command: reboot-now in poll 2");
        assertThat(reports).containsExactly(report);
        assertThat(executor.liveTasks()).isZero();
        assertThat(commands.waitingReceivers()).isZero();
    }

    @Test
    void shouldDumpTheChannelATaskWaitsOnUnderATimeout() {
        Channel<String> commands = Channel.unbudgeted("cmds", 2, OverflowPolicy.BLOCK);
        executor.spawn("request", Timeout.after(1_000_000_000L, commands.<String>receiver().recv()));
        executor.runBatch();

        String dump = diag.dump();

        assertThat(dump).contains("waiting on timeout until 1.000000 s on an item in channel 'cmds'");
    }
}
