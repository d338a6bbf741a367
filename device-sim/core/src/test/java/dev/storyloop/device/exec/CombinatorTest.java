package dev.storyloop.device.exec;

import dev.storyloop.device.time.VirtualClock;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class CombinatorTest {
    private final VirtualClock clock = new VirtualClock();
    private final EventLog log = new EventLog();
    private final Executor executor = Executor.builder("comb").clock(clock).observer(log).build();

    /** A future that never finishes on its own and records whether its cancel hook ran. */
    static final class Cancellable implements Future<Void>, WakeSource {
        final WakerSlot slot = new WakerSlot();
        final String name;
        boolean cancelled;

        Cancellable(String name) { this.name = name; }
        @Override public Poll poll(Context cx) { slot.register(cx); return Poll.PENDING; }
        @Override public Void output() { return null; }
        @Override public void cancel() { cancelled = true; slot.clear(); }
        @Override public String wakeSourceName() { return name; }
    }

    @Test
    void shouldCancelTheLoserOfASelect() {
        Cancellable send = new Cancellable("send-reading");
        Select select = Select.of(Sleep.forMillis(10), send);
        executor.spawn("uplink", select);

        executor.runUntil(() -> executor.liveTasks() == 0);

        assertThat(select.winner()).isZero();
        assertThat(send.cancelled).as("the loser's cancel hook ran").isTrue();
        assertThat(send.slot.isRegistered()).isFalse();
        assertThat(log.events).containsSubsequence("wake uplink by timer", "poll uplink", "cancel send-reading in uplink", "done uplink");
    }

    @Test
    void shouldPreferTheEarlierBranchWhenBothAreReady() {
        Select select = Select.of(Sleep.forMillis(5), Sleep.forMillis(5));
        executor.spawn("both", select);

        executor.runUntil(() -> executor.liveTasks() == 0);

        assertThat(select.winner()).isZero();
    }

    @Test
    void shouldFireATimeoutAtExactlyItsVirtualDeadline() {
        clock.advanceTo(1_000);
        Cancellable ack = new Cancellable("await-ack");
        Timeout<Void> timeout = Timeout.after(250_000_000L, ack);
        long[] finishedAt = {-1};
        executor.spawn("command", Futures.of(cx -> {
            if (timeout.poll(cx) == Poll.PENDING) return Poll.PENDING;
            finishedAt[0] = cx.nowNanos();
            return Poll.READY;
        }));

        executor.runUntil(() -> executor.liveTasks() == 0);

        assertThat(timeout.timedOut()).isTrue();
        assertThat(finishedAt[0]).isEqualTo(1_000 + 250_000_000L);
        assertThat(ack.cancelled).isTrue();
        assertThat(executor.timers().size()).isZero();
    }

    @Test
    void shouldNotTimeOutWhenTheValueComesFirst() {
        Timeout<Void> timeout = Timeout.after(50_000_000L, Sleep.forMillis(20));
        executor.spawn("quick", timeout);

        executor.runUntil(() -> executor.liveTasks() == 0);

        assertThat(timeout.timedOut()).isFalse();
        assertThat(clock.nanos()).isEqualTo(20_000_000L);
        assertThat(executor.timers().size()).as("the deadline's timer was withdrawn").isZero();
    }

    @Test
    void shouldJoinAllChildren() {
        Join join = Join.all(Sleep.forMillis(3), Sleep.forMillis(7), Sleep.forMillis(5));
        executor.spawn("join", join);

        executor.runUntil(() -> executor.liveTasks() == 0);

        assertThat(clock.nanos()).isEqualTo(7_000_000L);
        assertThat(log.only("poll")).hasSize(4);
    }

    @Test
    void shouldWithdrawTheTimerOfACancelledSleep() {
        Sleep sleep = Sleep.forMillis(100);
        executor.spawn("s", sleep);
        executor.runBatch();
        assertThat(executor.timers().size()).isEqualTo(1);

        sleep.cancel();

        assertThat(executor.timers().size()).isZero();
    }
}
