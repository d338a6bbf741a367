package dev.storyloop.device.exec;

import dev.storyloop.device.chan.Channel;
import dev.storyloop.device.chan.OverflowPolicy;
import dev.storyloop.device.diag.Diagnostics;
import dev.storyloop.device.time.VirtualClock;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;

import static org.assertj.core.api.Assertions.assertThat;

/** After boot the loop allocates nothing: a million messages through a channel cost zero bytes of heap. */
class SteadyStateAllocationTest {
    private static final int MESSAGES = 1_000_000;
    private static final int WARM_UP_ROUNDS = 3;
    private static final int MEASURED_ROUNDS = 3;

    /** Sends preallocated items forever; waits when the channel is full. */
    static final class Producer implements Future<Void> {
        final Channel.Sender<Integer> out;
        final Integer[] items = new Integer[256];
        Future<Void> sending;
        long sent;

        Producer(Channel<Integer> channel) {
            out = channel.sender();
            for (int i = 0; i < items.length; i++) items[i] = 1_000 + i; // outside the Integer cache: real objects
        }

        @Override
        public Poll poll(Context cx) {
            while (true) {
                if (sending == null) sending = out.send(items[(int) (sent & 255)]);
                if (sending.poll(cx) == Poll.PENDING) return Poll.PENDING;
                sending = null;
                sent++;
            }
        }

        @Override public Void output() { return null; }
    }

    static final class Consumer implements Future<Void> {
        final Channel.Receiver<Integer> in;
        Future<Integer> receiving;
        long received;
        long checksum;

        Consumer(Channel<Integer> channel) { in = channel.receiver(); }

        @Override
        public Poll poll(Context cx) {
            while (true) {
                if (receiving == null) receiving = in.recv();
                if (receiving.poll(cx) == Poll.PENDING) return Poll.PENDING;
                checksum += receiving.output();
                receiving = null;
                received++;
            }
        }

        @Override public Void output() { return null; }
    }

    @Test
    void shouldAllocateNothingPerMessageOnceWarm() {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        Executor executor = Executor.builder("steady").clock(new VirtualClock()).build();
        Diagnostics diagnostics = Diagnostics.attach(executor);
        Channel<Integer> channel = Channel.unbudgeted("pipe", 64, OverflowPolicy.BLOCK);
        Consumer consumer = new Consumer(channel);
        executor.spawn("producer", new Producer(channel));
        executor.spawn("consumer", consumer);
        long[] target = {MESSAGES};
        java.util.function.BooleanSupplier reached = () -> consumer.received >= target[0];
        LoopRunner runner = LoopRunner.of(executor); // made once, as a device's loop is

        for (int round = 0; round < WARM_UP_ROUNDS; round++) { // JIT compilation and first-use allocations
            runner.runUntil(reached);
            target[0] += MESSAGES;
        }
        // Several measured rounds: a one-off allocation by the runtime (a JIT transition) may land in one
        // of them; an allocation per message would show in all of them as megabytes.
        long[] allocated = new long[MEASURED_ROUNDS];
        for (int round = 0; round < MEASURED_ROUNDS; round++) {
            long before = threads.getThreadAllocatedBytes(Thread.currentThread().getId());
            runner.runUntil(reached);
            allocated[round] = threads.getThreadAllocatedBytes(Thread.currentThread().getId()) - before;
            target[0] += MESSAGES;
        }

        assertThat(consumer.received).isEqualTo((long) (WARM_UP_ROUNDS + MEASURED_ROUNDS) * MESSAGES);
        assertThat(channel.stats().sendWaits()).as("the producer really waited for space").isGreaterThan(1000);
        assertThat(diagnostics.pollDurations().getTotalCount()).isGreaterThan(2 * 1000);
        assertThat(java.util.Arrays.stream(allocated).min().orElseThrow())
                .as("bytes allocated for %d messages, per round: %s", MESSAGES, java.util.Arrays.toString(allocated)).isZero();
        assertThat(java.util.Arrays.stream(allocated).max().orElseThrow())
                .as("no round allocates per message: %s", java.util.Arrays.toString(allocated)).isLessThan(4096);
    }
}
