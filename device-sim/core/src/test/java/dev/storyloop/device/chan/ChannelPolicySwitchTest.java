package dev.storyloop.device.chan;

import dev.storyloop.device.exec.Executor;
import dev.storyloop.device.exec.Future;
import dev.storyloop.device.exec.Futures;
import dev.storyloop.device.exec.JoinHandle;
import dev.storyloop.device.exec.Poll;
import dev.storyloop.device.exec.WakeSource;
import dev.storyloop.device.exec.WakerSlot;
import dev.storyloop.device.time.VirtualClock;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import static org.assertj.core.api.Assertions.assertThat;

class ChannelPolicySwitchTest {

    @ParameterizedTest
    @EnumSource(value = OverflowPolicy.class, names = {"DROP_NEWEST", "DROP_OLDEST"})
    void shouldLeaveTheWaitListWhenASwitchedPolicyFinishesABlockedSend(OverflowPolicy next) {
        Executor executor = Executor.builder("switch").clock(new VirtualClock()).build();
        Channel<Integer> channel = Channel.unbudgeted("one", 1, OverflowPolicy.BLOCK);
        assertThat(channel.trySend(0)).isTrue();
        Future<Void> send = channel.<Integer>sender().send(1);
        WakerSlot poke = new WakerSlot();
        JoinHandle<Void> sender = executor.spawn("sender", Futures.of(cx -> {
            poke.register(cx); // lets the test poll the sender again, whatever the channel does
            return send.poll(cx);
        }));
        executor.runBatch();
        assertThat(channel.waitingSenders()).isEqualTo(1);

        channel.policy(next); // the firmware's "overflow" command does this at run time
        poke.wake(WakeSource.DIRECT);
        executor.runBatch();

        assertThat(sender.isDone()).isTrue();
        assertThat(channel.waitingSenders()).as("a finished send is no longer waiting").isZero();
        assertThat(channel.stats().dropped()).isEqualTo(1);
        Integer first = channel.tryRecv();
        assertThat(first).isEqualTo(next == OverflowPolicy.DROP_NEWEST ? 0 : 1);
        assertThat(channel.depth()).isZero();
        assertThat(channel.trySend(5)).as("an empty channel takes an item").isTrue();
        assertThat(channel.tryRecv()).isEqualTo(5);
    }
}
