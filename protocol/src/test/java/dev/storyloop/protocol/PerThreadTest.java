package dev.storyloop.protocol;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

class PerThreadTest {
    @Test
    void shouldGiveEachThreadItsOwnValueAndTheSameOneEveryTime() throws Exception {
        AtomicInteger made = new AtomicInteger();
        PerThread<int[]> perThread = new PerThread<>(() -> new int[] {made.incrementAndGet()});
        int[] mine = perThread.get();
        assertThat(perThread.get()).isSameAs(mine);

        // Four threads ask many times at once, after this one and before it asks again: none may ever see
        // another's value, the one the last caller left behind included.
        int threads = 4, rounds = 2_000;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<Boolean>> results = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                results.add(pool.submit(() -> {
                    start.await();
                    int[] own = perThread.get();
                    for (int i = 0; i < rounds; i++) {
                        if (perThread.get() != own) return false;
                        Thread.yield();
                    }
                    return own != mine;
                }));
            }
            start.countDown();
            for (Future<Boolean> result : results) assertThat(result.get(1, TimeUnit.MINUTES)).isTrue();
        } finally {
            pool.shutdownNow();
        }
        assertThat(perThread.get()).isSameAs(mine);
        assertThat(made.get()).isEqualTo(threads + 1);
    }
}
