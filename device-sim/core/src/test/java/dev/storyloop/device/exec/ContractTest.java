package dev.storyloop.device.exec;

import dev.storyloop.device.chan.Channel;
import dev.storyloop.device.chan.OverflowPolicy;
import dev.storyloop.device.time.VirtualClock;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The executor's contract, one test per way the issue found it broken. */
class ContractTest {
    private final VirtualClock clock = new VirtualClock();
    private final EventLog log = new EventLog();
    private final Executor executor = Executor.builder("contract").clock(clock).observer(log).build();

    /** Wraps a future and forgets to forward {@link Future#cancel()}: the mistake cancellation must survive. */
    static <T> Future<T> forgetfulWrapper(Future<T> inner) {
        return new Future<>() {
            @Override public Poll poll(Context cx) { return inner.poll(cx); }
            @Override public T output() { return inner.output(); }
        };
    }

    @Test
    void shouldWithdrawADroppedReceiveEvenWhenAWrapperForgetsToForwardCancel() {
        Channel<String> commands = Channel.unbudgeted("cmds", 2, OverflowPolicy.BLOCK);
        Select select = Select.of(forgetfulWrapper(commands.<String>receiver().recv()), Sleep.forMillis(10));
        executor.spawn("waiter", select);

        executor.runUntil(() -> executor.liveTasks() == 0);

        assertThat(select.winner()).isEqualTo(1);
        assertThat(commands.waitingReceivers()).as("the dropped receive left the wait list").isZero();
        assertThat(commands.trySend("blink")).isTrue();
        assertThat(commands.tryRecv()).as("the next item is not swallowed").isEqualTo("blink");
    }

    @Test
    void shouldWithdrawATimedOutReceiveEvenWhenAWrapperForgetsToForwardCancel() {
        Channel<String> commands = Channel.unbudgeted("cmds", 2, OverflowPolicy.BLOCK);
        Timeout<String> timeout = Timeout.after(10_000_000L, forgetfulWrapper(commands.<String>receiver().recv()));
        JoinHandle<String> task = executor.spawn("request", timeout);

        executor.runUntil(task::isDone);

        assertThat(timeout.timedOut()).isTrue();
        assertThat(commands.waitingReceivers()).isZero();
        assertThat(commands.trySend("blink")).isTrue();
        assertThat(commands.tryRecv()).isEqualTo("blink");
    }

    @Test
    void shouldWithdrawWhatAnAbortedTaskLeftWaitingWhenItsCancelReachesNothing() {
        Channel<String> commands = Channel.unbudgeted("cmds", 2, OverflowPolicy.BLOCK);
        JoinHandle<String> task = executor.spawn("listener", forgetfulWrapper(commands.<String>receiver().recv()));
        executor.runBatch();
        assertThat(commands.waitingReceivers()).isEqualTo(1);

        task.abort();

        assertThat(commands.waitingReceivers()).isZero();
        assertThat(log.events).containsSubsequence("withdraw chan:cmds in listener", "abort listener");
        assertThat(commands.trySend("blink")).isTrue();
        assertThat(commands.tryRecv()).isEqualTo("blink");
    }

    @Test
    void shouldWithdrawWhatAFinishedTaskLeftWaiting() {
        Channel<String> commands = Channel.unbudgeted("cmds", 2, OverflowPolicy.BLOCK);
        Future<String> recv = commands.<String>receiver().recv();
        Sleep sleep = Sleep.forMillis(5);
        // A hand-written "first of two" that drops the receive without cancelling it.
        executor.spawn("racer", Futures.of(cx -> {
            recv.poll(cx);
            return sleep.poll(cx);
        }));

        executor.runUntil(() -> executor.liveTasks() == 0);

        assertThat(commands.waitingReceivers()).isZero();
        assertThat(commands.trySend("blink")).isTrue();
        assertThat(commands.tryRecv()).isEqualTo("blink");
    }

    @SuppressWarnings("unchecked")
    static <E extends Throwable> RuntimeException sneaky(Throwable e) throws E {
        throw (E) e;
    }

    @Test
    void shouldFailATaskThatThrowsACheckedExceptionAndGoOn() {
        JoinHandle<Void> bad = executor.spawn("bad", Futures.of(cx -> {
            throw sneaky(new java.io.IOException("flash read failed"));
        }));
        JoinHandle<Void> good = executor.spawn("good", Sleep.forMillis(1));

        RunResult result = executor.runUntil(() -> good.isDone());

        assertThat(result).isEqualTo(RunResult.DONE);
        assertThat(bad.isFailed()).isTrue();
        assertThat(bad.failure()).isInstanceOf(java.io.IOException.class).hasMessage("flash read failed");
        assertThat(executor.liveTasks()).as("the failed task's slot is free").isZero();
        assertThat(executor.failures()).isEqualTo(1);
        assertThat(log.events).contains("fail bad");
    }

    @Test
    void shouldFailATaskWhoseErrorOrOutputThrows() {
        JoinHandle<Void> linkage = executor.spawn("linkage", Futures.of(cx -> {
            throw new NoClassDefFoundError("dev/storyloop/Missing");
        }));
        JoinHandle<String> output = executor.spawn("output", new Future<String>() {
            @Override public Poll poll(Context cx) { return Poll.READY; }
            @Override public String output() { throw new IllegalStateException("no value"); }
        });

        executor.runUntil(() -> executor.liveTasks() == 0);

        assertThat(linkage.failure()).isInstanceOf(NoClassDefFoundError.class);
        assertThat(output.failure()).hasMessage("no value");
        assertThat(executor.failures()).isEqualTo(2);
    }

    @Test
    void shouldFixASleepsDeadlineWhenItIsCreated() {
        Sleep[] sleep = {null};
        long[] doneAt = {-1};
        Sleep gap = Sleep.forMillis(5);
        executor.spawn("late-poll", Futures.of(cx -> {
            if (sleep[0] == null) sleep[0] = Sleep.forMillis(10); // created at 0 ms
            if (gap.poll(cx) == Poll.PENDING) return Poll.PENDING; // first polled at 5 ms
            if (sleep[0].poll(cx) == Poll.PENDING) return Poll.PENDING;
            doneAt[0] = cx.nowNanos();
            return Poll.READY;
        }));

        executor.runUntil(() -> executor.liveTasks() == 0);

        assertThat(doneAt[0]).isEqualTo(10_000_000L);
    }

    @Test
    void shouldFixATimeoutsDeadlineWhenItIsCreated() {
        List<Timeout<Void>> timeout = new ArrayList<>();
        Sleep gap = Sleep.forMillis(5);
        long[] doneAt = {-1};
        executor.spawn("late-poll", Futures.of(cx -> {
            if (timeout.isEmpty()) timeout.add(Timeout.after(10_000_000L, Futures.of(c -> Poll.PENDING)));
            if (gap.poll(cx) == Poll.PENDING) return Poll.PENDING;
            if (timeout.get(0).poll(cx) == Poll.PENDING) return Poll.PENDING;
            doneAt[0] = cx.nowNanos();
            return Poll.READY;
        }));

        executor.runUntil(() -> executor.liveTasks() == 0);

        assertThat(timeout.get(0).timedOut()).isTrue();
        assertThat(doneAt[0]).isEqualTo(10_000_000L);
    }

    @Test
    void shouldNameTheResourceATaskWaitsOnUnderATimeout() {
        Channel<String> commands = Channel.unbudgeted("cmds", 2, OverflowPolicy.BLOCK);
        executor.spawn("request", Timeout.after(1_000_000_000L, commands.<String>receiver().recv()));
        executor.runBatch();

        List<String> waits = new ArrayList<>();
        executor.forEachTask(task -> waits.add(String.valueOf(task.waitingOn())));

        assertThat(waits).hasSize(1);
        assertThat(waits.get(0)).isEqualTo("timeout until 1.000000 s on an item in channel 'cmds'");
    }
}
