package dev.storyloop.bench;

import dev.storyloop.device.chan.Channel;
import dev.storyloop.device.chan.OverflowPolicy;
import dev.storyloop.device.exec.Context;
import dev.storyloop.device.exec.Executor;
import dev.storyloop.device.exec.Future;
import dev.storyloop.device.exec.Poll;
import dev.storyloop.device.time.VirtualClock;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * Bounded channel costs: the bare {@code trySend}+{@code tryRecv} pair, and one message between a
 * producer task and a consumer task through the executor (capacity 64, the producer waiting for
 * space whenever the channel is full).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class ChannelBench {
    private static final int MESSAGES_PER_OP = 1_000;

    private final Integer item = 4242;
    private Channel<Integer> bare;
    private Executor executor;
    private Consumer consumer;

    static final class Producer implements Future<Void> {
        final Channel.Sender<Integer> out;
        final Integer item = 1_000_000;
        Future<Void> sending;

        Producer(Channel<Integer> channel) {
            out = channel.sender();
        }

        @Override
        public Poll poll(Context cx) {
            while (true) {
                if (sending == null) sending = out.send(item);
                if (sending.poll(cx) == Poll.PENDING) return Poll.PENDING;
                sending = null;
            }
        }

        @Override public Void output() { return null; }
    }

    static final class Consumer implements Future<Void> {
        final Channel.Receiver<Integer> in;
        Future<Integer> receiving;
        long received;

        Consumer(Channel<Integer> channel) {
            in = channel.receiver();
        }

        @Override
        public Poll poll(Context cx) {
            while (true) {
                if (receiving == null) receiving = in.recv();
                if (receiving.poll(cx) == Poll.PENDING) return Poll.PENDING;
                receiving = null;
                received++;
            }
        }

        @Override public Void output() { return null; }
    }

    @Setup
    public void setUp() {
        bare = Channel.unbudgeted("bare", 64, OverflowPolicy.BLOCK);
        Channel<Integer> pipe = Channel.unbudgeted("pipe", 64, OverflowPolicy.BLOCK);
        executor = Executor.builder("bench").clock(new VirtualClock()).build();
        consumer = new Consumer(pipe);
        executor.spawn("producer", new Producer(pipe));
        executor.spawn("consumer", consumer);
    }

    @Benchmark
    public Integer trySendTryRecv() {
        bare.trySend(item);
        return bare.tryRecv();
    }

    @Benchmark
    @OperationsPerInvocation(MESSAGES_PER_OP)
    public long taskToTaskMessage() {
        long target = consumer.received + MESSAGES_PER_OP;
        while (consumer.received < target) executor.runBatch();
        return consumer.received;
    }
}
