package dev.storyloop.gateway;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Measures how late the event loops run during a test: a timer every {@value #PERIOD_MILLIS} ms on
 * each event loop records how late it fired, and {@link #report} prints the worst lag to the test
 * log. It is a measurement, never an assertion: on a shared, loaded machine a late timer says as
 * much about the neighbours as about the gateway, so tests assert on counts and states instead.
 */
final class LoopLagProbe extends VerticleBase {
    static final long PERIOD_MILLIS = 10;
    /** Above this a lag is flagged in the log line, as the blocked-thread checker would warn. */
    static final long WARN_MILLIS = 200;
    private static final AtomicLong MAX_LAG_NANOS = new AtomicLong();
    private long last;

    static LoopLagProbe deploy(Vertx vertx) throws Exception {
        warmUpBuffers();
        MAX_LAG_NANOS.set(0);
        LoopLagProbe probe = null;
        for (int i = 0; i < GatewayApp.vertxOptions().getEventLoopPoolSize(); i++) {
            probe = new LoopLagProbe();
            vertx.deployVerticle(probe).toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
        }
        return probe;
    }

    /**
     * Netty's first pooled chunk of a size class initialises its JFR event classes, a one-off that
     * took up to 300 ms here; done now, it cannot land on an event loop while the probe measures.
     */
    private static void warmUpBuffers() {
        for (int size = 64; size <= 1 << 20; size <<= 1) {
            io.netty.buffer.ByteBuf buffer = io.netty.buffer.ByteBufAllocator.DEFAULT.directBuffer(size);
            buffer.release();
            buffer = io.netty.buffer.ByteBufAllocator.DEFAULT.heapBuffer(size);
            buffer.release();
        }
    }

    @Override
    public Future<?> start() {
        last = System.nanoTime();
        vertx.setPeriodic(PERIOD_MILLIS, id -> {
            long now = System.nanoTime();
            long lag = now - last - TimeUnit.MILLISECONDS.toNanos(PERIOD_MILLIS);
            MAX_LAG_NANOS.accumulateAndGet(lag, Math::max);
            last = now;
        });
        return Future.succeededFuture();
    }

    /** Prints the worst lag seen since {@link #deploy} to the test log. */
    void report(String test) {
        long lag = maxLagMillis();
        System.out.printf("event-loop lag: %s: worst %d ms over %d ms timers%s%n", test, lag, PERIOD_MILLIS,
                lag >= WARN_MILLIS ? " (over " + WARN_MILLIS + " ms: a loop was blocked or the machine was busy)" : "");
    }

    long maxLagMillis() {
        return TimeUnit.NANOSECONDS.toMillis(MAX_LAG_NANOS.get());
    }
}
