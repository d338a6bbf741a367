package dev.storyloop.gateway;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Fails a test that blocks an event loop: a timer every {@value #PERIOD_MILLIS} ms on each event
 * loop records how late it fired. Stricter than the blocked-thread checker's log line, and it
 * cannot be missed.
 */
final class LoopLagProbe extends VerticleBase {
    static final long PERIOD_MILLIS = 10;
    static final long LIMIT_MILLIS = 200;
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

    long maxLagMillis() {
        return TimeUnit.NANOSECONDS.toMillis(MAX_LAG_NANOS.get());
    }
}
