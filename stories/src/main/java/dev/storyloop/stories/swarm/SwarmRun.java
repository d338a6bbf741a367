package dev.storyloop.stories.swarm;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.LongConsumer;

/**
 * Runs seeds {@code from .. from + count - 1} on {@code threads} threads (each world is one thread's
 * and depends only on its seed, so the verdicts do not depend on the threads). Keeps at most
 * {@link #FAILURES_KEPT} failures and {@link #FAILING_SEEDS_KEPT} failing seeds, lowest seeds
 * first; counts all of them.
 */
public final class SwarmRun {
    public static final int FAILURES_KEPT = 20;
    /** Failing seeds a report lists (a planted bug can fail most seeds of a million; the count covers the rest). */
    public static final int FAILING_SEEDS_KEPT = 10_000;

    private SwarmRun() {}

    /**
     * What a run found: seeds checked and failed, the lowest failing seeds and the first failures in full, and the
     * simulated seconds covered.
     */
    public record Report(long seeds, long failed, List<Long> failingSeeds, List<Swarm.Verdict> failures, double simulatedSeconds,
                         long wallNanos) {
        public boolean passed() {
            return failed == 0;
        }
    }

    /** {@code onVerdict} sees every verdict as it comes (from the worker threads; it must be thread-safe). */
    public static Report run(long from, long count, int threads, Consumer<Swarm.Verdict> onVerdict) throws InterruptedException {
        return run(from, count, threads, "", onVerdict);
    }

    /** As {@link #run(long, long, int, Consumer)}, every world drawn with {@code planted} firmware lines ({@link Swarm#draw(long, String)}). */
    public static Report run(long from, long count, int threads, String planted, Consumer<Swarm.Verdict> onVerdict) throws InterruptedException {
        long started = System.nanoTime();
        List<Swarm.Verdict> failures = new ArrayList<>();
        TreeSet<Long> failingSeeds = new TreeSet<>();
        long[] failed = {0};
        double[] simulated = {0};
        forEachSeed(from, count, threads, seed -> {
            Swarm.Verdict verdict = Swarm.check(Swarm.draw(seed, planted));
            onVerdict.accept(verdict);
            synchronized (failures) {
                simulated[0] += verdict.world().scenario().duration().nanos() / 1e9;
                if (verdict.passed()) return;
                failed[0]++;
                failingSeeds.add(seed);
                if (failingSeeds.size() > FAILING_SEEDS_KEPT) failingSeeds.pollLast();
                failures.add(verdict);
                failures.sort(Comparator.comparingLong(v -> v.world().seed()));
                if (failures.size() > FAILURES_KEPT) failures.remove(failures.size() - 1);
            }
        });
        synchronized (failures) {
            return new Report(count, failed[0], List.copyOf(failingSeeds), List.copyOf(failures), simulated[0], System.nanoTime() - started);
        }
    }

    /**
     * Calls {@code work} once for each seed {@code from .. from + count - 1}, on {@code threads} threads, and returns when
     * all are done; a worker that throws stops the others and the exception is rethrown here.
     */
    public static void forEachSeed(long from, long count, int threads, LongConsumer work) throws InterruptedException {
        if (count <= 0 || threads <= 0) throw new IllegalArgumentException("count and threads must be > 0");
        AtomicLong next = new AtomicLong(from);
        long end = from + count;
        List<Thread> workers = new ArrayList<>();
        Throwable[] crash = {null};
        for (int t = 0; t < threads; t++) {
            Thread worker = new Thread(() -> {
                for (long seed = next.getAndIncrement(); seed < end; seed = next.getAndIncrement()) work.accept(seed);
            }, "swarm-" + t);
            worker.setUncaughtExceptionHandler((thread, e) -> {
                synchronized (crash) {
                    if (crash[0] == null) crash[0] = e;
                }
                next.set(end);
            });
            workers.add(worker);
            worker.start();
        }
        for (Thread worker : workers) worker.join();
        synchronized (crash) {
            if (crash[0] != null) throw new IllegalStateException("a swarm worker crashed", crash[0]);
        }
    }
}
