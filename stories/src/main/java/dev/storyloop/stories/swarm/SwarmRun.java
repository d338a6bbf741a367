package dev.storyloop.stories.swarm;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Runs seeds {@code from .. from + count - 1} on {@code threads} threads (each world is one thread's
 * and depends only on its seed, so the verdicts do not depend on the threads). Keeps at most
 * {@link #FAILURES_KEPT} failures, lowest seeds first; counts all of them.
 */
public final class SwarmRun {
    public static final int FAILURES_KEPT = 20;

    private SwarmRun() {}

    /** What a run found: seeds checked and failed, the first failures, and the simulated seconds covered. */
    public record Report(long seeds, long failed, List<Swarm.Verdict> failures, double simulatedSeconds, long wallNanos) {
        public boolean passed() {
            return failed == 0;
        }
    }

    /** {@code onVerdict} sees every verdict as it comes (from the worker threads; it must be thread-safe). */
    public static Report run(long from, long count, int threads, Consumer<Swarm.Verdict> onVerdict) throws InterruptedException {
        if (count <= 0 || threads <= 0) throw new IllegalArgumentException("count and threads must be > 0");
        long started = System.nanoTime();
        AtomicLong next = new AtomicLong(from);
        long end = from + count;
        List<Swarm.Verdict> failures = new ArrayList<>();
        long[] failed = {0};
        double[] simulated = {0};
        List<Thread> workers = new ArrayList<>();
        Throwable[] crash = {null};
        for (int t = 0; t < threads; t++) {
            Thread worker = new Thread(() -> {
                for (long seed = next.getAndIncrement(); seed < end; seed = next.getAndIncrement()) {
                    Swarm.Verdict verdict = Swarm.check(seed);
                    onVerdict.accept(verdict);
                    synchronized (failures) {
                        simulated[0] += verdict.world().scenario().duration().nanos() / 1e9;
                        if (verdict.passed()) continue;
                        failed[0]++;
                        failures.add(verdict);
                        failures.sort(Comparator.comparingLong(v -> v.world().seed()));
                        if (failures.size() > FAILURES_KEPT) failures.remove(failures.size() - 1);
                    }
                }
            }, "swarm-" + t);
            worker.setUncaughtExceptionHandler((thread, e) -> {
                synchronized (failures) {
                    if (crash[0] == null) crash[0] = e;
                }
                next.set(end);
            });
            workers.add(worker);
            worker.start();
        }
        for (Thread worker : workers) worker.join();
        if (crash[0] != null) throw new IllegalStateException("a swarm worker crashed", crash[0]);
        synchronized (failures) {
            return new Report(count, failed[0], List.copyOf(failures), simulated[0], System.nanoTime() - started);
        }
    }
}
