package dev.storyloop.device.exec;

import dev.storyloop.device.chan.Channel;
import dev.storyloop.device.chan.OverflowPolicy;
import dev.storyloop.device.time.VirtualClock;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class FutureKitTest {
    private final VirtualClock clock = new VirtualClock();
    private final Executor executor = Executor.builder("kit").clock(clock).build();

    @Test
    void shouldWriteACustomFutureAsALambda() {
        Channel<Integer> readings = Channel.unbudgeted("readings", 4, OverflowPolicy.BLOCK);
        Future<Integer> recv = readings.<Integer>receiver().recv();
        // "the first reading above 20": a custom future in three lines.
        JoinHandle<Integer> hot = executor.spawn("hot", Future.<Integer>of((cx, out) -> {
            while (recv.poll(cx) == Poll.READY) if (recv.output() > 20) return out.ready(recv.output());
            return Poll.PENDING;
        }));
        executor.runBatch();
        readings.trySend(18);
        executor.runBatch();
        readings.trySend(23);
        executor.runBatch();

        assertThat(hot.isDone()).isTrue();
        assertThat(hot.output()).isEqualTo(23);
    }

    @Test
    void shouldMapAndChainValues() {
        Channel<String> commands = Channel.unbudgeted("cmds", 2, OverflowPolicy.BLOCK);
        Future<Integer> length = commands.<String>receiver().recv().map(String::length);
        Future<String> answer = length.andThen(n -> Sleep.forMillis(n).map(done -> "slept " + n + " ms"));
        JoinHandle<String> task = executor.spawn("chain", answer);
        executor.runBatch();
        commands.trySend("blink");

        executor.runUntil(task::isDone);

        assertThat(task.output()).isEqualTo("slept 5 ms");
        assertThat(clock.nanos()).isEqualTo(5_000_000L);
    }

    @Test
    void shouldForwardCancelThroughTheKit() {
        Channel<String> commands = Channel.unbudgeted("cmds", 2, OverflowPolicy.BLOCK);
        boolean[] hook = {false};
        Future<String> recv = commands.<String>receiver().recv();
        Future<Integer> mapped = recv.map(String::length);
        Future<Void> custom = Future.of((cx, out) -> Poll.PENDING, () -> hook[0] = true);
        executor.spawn("mapped", mapped);
        executor.spawn("custom", custom);
        executor.runBatch();
        assertThat(commands.waitingReceivers()).isEqualTo(1);

        mapped.cancel();
        custom.cancel();

        assertThat(commands.waitingReceivers()).as("map forwarded cancel to the receive").isZero();
        assertThat(hook[0]).isTrue();
    }

    @Test
    void shouldBeReadyAtOnceWithAReadyFuture() {
        JoinHandle<String> task = executor.spawn("ready", Future.ready("x").map(s -> s + "y"));
        executor.runBatch();
        assertThat(task.output()).isEqualTo("xy");
    }
}
