package dev.storyloop.device.chan;

import dev.storyloop.device.diag.Diagnostics;
import dev.storyloop.device.exec.Closable;
import dev.storyloop.device.exec.Context;
import dev.storyloop.device.exec.EventLog;
import dev.storyloop.device.exec.Executor;
import dev.storyloop.device.exec.Future;
import dev.storyloop.device.exec.JoinHandle;
import dev.storyloop.device.exec.Poll;
import dev.storyloop.device.exec.RunResult;
import dev.storyloop.device.exec.WakerSlot;
import dev.storyloop.device.time.VirtualClock;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ChannelCloseTest {
    private final EventLog log = new EventLog();
    private final Executor executor = Executor.builder("close").clock(new VirtualClock()).observer(log).build();
    private final Diagnostics diag = Diagnostics.attach(executor);

    /** Receives until the end of the stream, keeping every item. */
    static final class Drain implements Future<List<String>> {
        final Channel.Receiver<String> in;
        final List<String> got = new ArrayList<>();
        Future<String> receiving;

        Drain(Channel<String> channel) { this.in = channel.receiver(); }

        @Override
        public Poll poll(Context cx) {
            while (true) {
                if (receiving == null) receiving = in.recv();
                if (receiving.poll(cx) == Poll.PENDING) return Poll.PENDING;
                String item = receiving.output();
                receiving = null;
                if (item == null) return Poll.READY; // every sender closed and the queue is drained
                got.add(item);
            }
        }

        @Override public List<String> output() { return got; }
    }

    @Test
    void shouldLetTheReceiverDrainThenEndWhenTheLastSenderCloses() {
        Channel<String> readings = Channel.unbudgeted("readings", 4, OverflowPolicy.BLOCK);
        Channel.Sender<String> sensorA = readings.sender();
        Channel.Sender<String> sensorB = readings.sender();
        Drain drain = new Drain(readings);
        JoinHandle<List<String>> consumer = executor.spawn("consumer", drain);
        executor.runBatch();

        readings.trySend("a1");
        readings.trySend("b1");
        sensorA.close();
        executor.runBatch();
        assertThat(consumer.isDone()).as("one sender is still open").isFalse();
        readings.trySend("b2");
        sensorB.close();

        RunResult result = executor.runUntil(consumer::isDone);

        assertThat(result).isEqualTo(RunResult.DONE);
        assertThat(drain.got).containsExactly("a1", "b1", "b2");
        assertThat(drain.in.isEnded()).isTrue();
        assertThat(readings.sendersClosed()).isTrue();
        assertThat(readings.trySend("late")).as("nobody may send into a closed channel").isFalse();
        assertThat(readings.stats().refusedClosed()).isEqualTo(1);
        assertThat(diag.lostWakers()).isEmpty();
        assertThat(executor.liveTasks()).isZero();
    }

    @Test
    void shouldEndAReceiverThatWaitsWhenTheLastSenderCloses() {
        Channel<String> commands = Channel.unbudgeted("cmds", 2, OverflowPolicy.BLOCK);
        Channel.Sender<String> gateway = commands.sender();
        Drain drain = new Drain(commands);
        JoinHandle<List<String>> consumer = executor.spawn("consumer", drain);
        executor.runBatch();
        assertThat(commands.waitingReceivers()).isEqualTo(1);

        gateway.close();
        executor.runUntil(consumer::isDone);

        assertThat(consumer.isDone()).isTrue();
        assertThat(drain.got).isEmpty();
        assertThat(commands.waitingReceivers()).isZero();
        assertThat(log.only("wake")).containsExactly("wake consumer by chan:cmds");
    }

    @Test
    void shouldFailAWaitingSendWhenTheLastReceiverCloses() {
        Channel<String> uplink = Channel.unbudgeted("uplink", 1, OverflowPolicy.BLOCK);
        Channel.Receiver<String> publisher = uplink.receiver();
        Channel.Sender<String> sampler = uplink.sender();
        assertThat(uplink.trySend("queued")).isTrue();
        JoinHandle<Void> send = executor.spawn("sampler", sampler.send("blocked"));
        executor.runBatch();
        assertThat(uplink.waitingSenders()).isEqualTo(1);

        publisher.close();
        executor.runUntil(send::isDone);

        assertThat(send.isDone()).isTrue();
        assertThat(sampler.lastSendFailed()).isTrue();
        assertThat(sampler.isClosed()).isTrue();
        assertThat(uplink.depth()).isZero();
        assertThat(uplink.stats().discardedClosed()).as("the queued item is counted, not lost silently").isEqualTo(1);
        assertThat(uplink.stats().refusedClosed()).isEqualTo(1);
        assertThat(uplink.waitingSenders()).isZero();
        assertThat(log.events).contains("chan.closed chan:uplink in sampler");

        JoinHandle<Void> later = executor.spawn("sampler-again", sampler.send("later"));
        executor.runUntil(later::isDone);
        assertThat(sampler.lastSendFailed()).as("a new send fails at once").isTrue();
        assertThat(uplink.trySend("x")).isFalse();
        assertThat(uplink.stats().refusedClosed()).isEqualTo(3);
    }

    @Test
    void shouldNotHandOutNewEndsOfAClosedSide() {
        Channel<String> channel = Channel.unbudgeted("c", 1, OverflowPolicy.BLOCK);
        channel.sender().close();
        channel.receiver().close();

        assertThatThrownBy(channel::sender).hasMessageContaining("every sender has closed");
        assertThatThrownBy(channel::receiver).hasMessageContaining("every receiver has closed");
    }

    @Test
    void shouldReportATaskStillWaitingOnAClosedChannel() {
        Channel<String> commands = Channel.unbudgeted("cmds", 2, OverflowPolicy.BLOCK);
        Channel.Sender<String> gateway = commands.sender();
        spawnPollerWaitingOn(commands);
        assertThat(diag.closedWaits()).as("the channel is still open").isEmpty();

        gateway.close();
        executor.idle();
        executor.idle();

        assertThat(diag.closedWaits()).hasSize(1);
        assertThat(diag.closedWaits().get(0).toString())
                .startsWith("closed wait: task 'poller' (#0.0) is pending after 1 polls on something that has closed: channel 'cmds' 0/2 (closed: no sender left)");
        assertThat(diag.lostWakers()).as("its waker is held, so it is not a lost waker").isEmpty();
    }

    @Test
    void shouldReportAWaitOnAReceiveThatEndsWhenAnotherReceiverDrainsTheQueue() {
        Channel<String> commands = Channel.unbudgeted("cmds", 2, OverflowPolicy.BLOCK);
        Channel.Sender<String> gateway = commands.sender();
        Channel.Receiver<String> first = commands.receiver();
        Future<String> second = commands.receiver().recv();
        assertThat(commands.trySend("reboot")).isTrue();
        gateway.close(); // the senders are gone, but an item is left: a receive is not over yet
        spawnPollerWaitingOn(second);
        assertThat(diag.closedWaits()).as("an item is still queued").isEmpty();

        assertThat(commands.tryRecv()).isEqualTo("reboot"); // the other receiver drains it: no close is counted
        executor.idle();

        assertThat(diag.closedWaits()).hasSize(1);
        assertThat(first.isEnded()).isTrue();
    }

    @Test
    void shouldReportAWaitOnAResourceThatClosesWithoutCountingIt() {
        boolean[] closed = {false};
        Closable door = () -> closed[0]; // closes without Closable.countClose(), as a resource written elsewhere may
        spawnPollerWaitingOn(door);
        assertThat(diag.closedWaits()).isEmpty();

        closed[0] = true;
        executor.idle();

        assertThat(diag.closedWaits()).hasSize(1);
    }

    /**
     * Spawns "poller", a hand-written wait that ignores the end of what it waits on: it says it waits on
     * {@code what} and keeps its waker registered somewhere nothing will ever wake it from; then polls it
     * and lets the executor idle once.
     */
    private void spawnPollerWaitingOn(Object what) {
        WakerSlot keep = new WakerSlot();
        executor.spawn("poller", Future.<Void>of((cx, out) -> {
            keep.register(cx);
            cx.waitingOn(what);
            return Poll.PENDING;
        }));
        executor.runBatch();
        executor.idle();
    }
}
