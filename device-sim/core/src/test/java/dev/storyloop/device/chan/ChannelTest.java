package dev.storyloop.device.chan;

import dev.storyloop.device.diag.Diagnostics;
import dev.storyloop.device.exec.Context;
import dev.storyloop.device.exec.EventLog;
import dev.storyloop.device.exec.Executor;
import dev.storyloop.device.exec.Future;
import dev.storyloop.device.exec.Poll;
import dev.storyloop.device.exec.Sleep;
import dev.storyloop.device.exec.TaskView;
import dev.storyloop.device.time.VirtualClock;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class ChannelTest {
    private static final int CAPACITY = 4;
    private static final int PRODUCED = 200;

    /** Produces 1..n every millisecond: ten times faster than the consumer. */
    static final class Producer implements Future<Void> {
        final Channel.Sender<Integer> out;
        final Sleep tick = Sleep.forMillis(1);
        final int count;
        int next = 1;
        Future<Void> sending;
        int maxDepthSeen;
        final Channel<Integer> channel;

        Producer(Channel<Integer> channel, int count) {
            this.channel = channel;
            this.out = channel.sender();
            this.count = count;
        }

        @Override
        public Poll poll(Context cx) {
            while (true) {
                if (sending != null) {
                    if (sending.poll(cx) == Poll.PENDING) return Poll.PENDING;
                    sending = null;
                    maxDepthSeen = Math.max(maxDepthSeen, channel.depth());
                    if (next > count) return Poll.READY;
                }
                if (tick.poll(cx) == Poll.PENDING) return Poll.PENDING;
                tick.reset(1_000_000L);
                sending = out.send(next++);
            }
        }

        @Override public Void output() { return null; }
    }

    /** Takes one item every 10 ms. */
    static final class Consumer implements Future<Void> {
        final Channel.Receiver<Integer> in;
        final Sleep tick = Sleep.forMillis(10);
        final List<Integer> got = new ArrayList<>();
        Future<Integer> receiving;

        Consumer(Channel<Integer> channel) { this.in = channel.receiver(); }

        @Override
        public Poll poll(Context cx) {
            while (true) {
                if (receiving == null) {
                    if (tick.poll(cx) == Poll.PENDING) return Poll.PENDING;
                    tick.reset(10_000_000L);
                    receiving = in.recv();
                }
                if (receiving.poll(cx) == Poll.PENDING) return Poll.PENDING;
                got.add(receiving.output());
                receiving = null;
            }
        }

        @Override public Void output() { return null; }
    }

    @ParameterizedTest
    @EnumSource(OverflowPolicy.class)
    void shouldBoundTheQueueAndAccountForEveryItemUnderEachPolicy(OverflowPolicy policy) {
        Executor executor = Executor.builder("chan").clock(new VirtualClock()).build();
        Diagnostics diag = Diagnostics.attach(executor);
        Channel<Integer> channel = Channel.unbudgeted("uplink", CAPACITY, policy);
        Producer producer = new Producer(channel, PRODUCED);
        Consumer consumer = new Consumer(channel);
        executor.spawn("producer", producer);
        executor.spawn("consumer", consumer);

        executor.runUntil(() -> producer.next > PRODUCED && producer.sending == null && channel.depth() == 0);

        ChannelStats stats = channel.stats();
        assertThat(stats.peakDepth()).as("memory stays at the capacity").isEqualTo(CAPACITY);
        assertThat(producer.maxDepthSeen).isLessThanOrEqualTo(CAPACITY);
        // Every produced item is received or dropped, and counted as such.
        assertThat((long) consumer.got.size() + stats.dropped()).isEqualTo(PRODUCED);
        assertThat(stats.received()).isEqualTo(consumer.got.size());
        // The producer is polled only when something woke it.
        assertThat(diag.polls(0)).isLessThanOrEqualTo(diag.wakes(0) + 1);
        switch (policy) {
            case BLOCK:
                assertThat(stats.dropped()).isZero();
                assertThat(stats.sendWaits()).as("backpressure reached the producer").isGreaterThan(100);
                assertThat(consumer.got).isSorted().hasSize(PRODUCED).startsWith(1, 2, 3, 4, 5);
                break;
            case DROP_OLDEST:
                assertThat(stats.droppedOldest()).isGreaterThan(100);
                assertThat(stats.droppedNewest()).isZero();
                assertThat(consumer.got).isSorted().endsWith(PRODUCED); // the freshest reading arrives
                break;
            case DROP_NEWEST:
                assertThat(stats.droppedNewest()).isGreaterThan(100);
                assertThat(stats.droppedOldest()).isZero();
                assertThat(consumer.got).isSorted().startsWith(1, 2, 3, 4); // the queued readings are kept
                break;
        }
    }

    @Test
    void shouldServeWaitingSendersInArrivalOrderWithOneWakeEach() {
        EventLog log = new EventLog();
        Executor executor = Executor.builder("fair").clock(new VirtualClock()).observer(log).build();
        Channel<Integer> channel = Channel.unbudgeted("one", 1, OverflowPolicy.BLOCK);
        assertThat(channel.trySend(0)).isTrue();
        for (int i = 1; i <= 3; i++) {
            Future<Void> send = channel.<Integer>sender().send(i);
            executor.spawn("sender" + i, send);
        }
        executor.runBatch();
        assertThat(channel.waitingSenders()).isEqualTo(3);
        assertThat(channel.trySend(99)).as("space is full, and so no newcomer gets in").isFalse();

        List<Integer> received = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            received.add(channel.tryRecv());
            if (i < 3) assertThat(channel.trySend(99)).as("freed space is promised to the first waiter").isFalse();
            executor.runBatch();
        }

        assertThat(received).containsExactly(0, 1, 2, 3);
        assertThat(channel.trySend(99)).as("the newcomer gets in once nobody is waiting").isTrue();
        assertThat(log.only("wake")).containsExactly("wake sender1 by chan:one", "wake sender2 by chan:one",
                "wake sender3 by chan:one");
        assertThat(log.only("poll")).hasSize(6); // each sender: one poll to wait, one to send
    }

    @Test
    void shouldPassAGrantToTheNextSenderWhenTheWokenOneIsCancelled() {
        Executor executor = Executor.builder("cancel").clock(new VirtualClock()).build();
        Channel<Integer> channel = Channel.unbudgeted("one", 1, OverflowPolicy.BLOCK);
        channel.trySend(0);
        Future<Void> first = channel.<Integer>sender().send(1);
        Future<Void> second = channel.<Integer>sender().send(2);
        var firstTask = executor.spawn("first", first);
        executor.spawn("second", second);
        executor.runBatch();

        channel.tryRecv();      // grants the slot to "first" and wakes it
        firstTask.abort();      // ... which is cancelled before it could use it
        executor.runBatch();

        assertThat(channel.tryRecv()).as("the grant moved on to the second sender").isEqualTo(2);
    }

    @Test
    void shouldHandAnItemToAWaitingReceiver() {
        Executor executor = Executor.builder("recv").clock(new VirtualClock()).build();
        Channel<String> channel = Channel.unbudgeted("cmds", 2, OverflowPolicy.BLOCK);
        Future<String> recv = channel.receiver().recv();
        var task = executor.spawn("receiver", recv);
        executor.runBatch();
        List<String> states = new ArrayList<>();
        executor.forEachTask(t -> states.add(t.state() + " " + t.waitingOn()));
        assertThat(states).containsExactly(TaskView.State.PENDING + " an item in channel 'cmds'");

        channel.trySend("blink");
        assertThat(channel.tryRecv()).as("the item is promised to the waiting receiver").isNull();
        executor.runBatch();

        assertThat(task.isDone()).isTrue();
        assertThat(recv.output()).isEqualTo("blink");
    }
}
