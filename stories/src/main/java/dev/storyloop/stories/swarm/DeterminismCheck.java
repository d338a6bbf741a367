package dev.storyloop.stories.swarm;

import dev.storyloop.stories.run.SimRunner;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The determinism self-check: runs the same simulated world twice, side by side, and compares
 * their traces line by line as they are written, then their metrics; it names the first event
 * that differs (its index and both lines) or says the runs are identical, with the digest.
 *
 * <p>The two runs stream their lines through bounded queues to the comparing thread, so a trace of
 * any length is compared in a fixed amount of memory, and a difference found early stops both runs
 * at their next simulated second instead of running them to the end.
 */
public final class DeterminismCheck {
    /** Trace lines handed over at a time (one queue operation per batch, not per line). */
    static final int BATCH_LINES = 512;
    /** Batches a run may write ahead of the comparison before it waits: the memory bound of the check. */
    static final int QUEUE_BATCHES = 32;
    /** How often a run waiting for room in its queue looks whether the check has stopped. */
    private static final long OFFER_WAIT_MILLIS = 50;
    private static final List<String> END = List.of();

    private DeterminismCheck() {}

    /** What a run left besides its trace: its digest and its metrics (for a difference the trace does not show). */
    public record Ran(String digest, Map<String, Object> metrics) {}

    /** One run of the world under check: writes its trace lines to {@code sink}, reports each simulated second to {@code progress}. */
    @FunctionalInterface
    public interface World {
        Ran run(Appendable sink, SimRunner.Progress progress);
    }

    /**
     * The comparison: {@code events} lines compared; when the runs differ, {@code index} (0-based) is the first line that
     * differs and {@code first}/{@code second} are that line in each run (null: that run's trace ended there);
     * {@code metric} names the first metric that differs when the traces agree but the metrics do not.
     */
    public record Outcome(boolean identical, long events, String digest, long index, String first, String second, String metric) {
        /** The outcome in words, as the CLI prints it. */
        public String describe() {
            if (identical) return "identical: " + events + " trace events, digest " + digest;
            if (metric != null) return "the traces agree (" + events + " events) but the metrics differ: " + metric;
            return "the runs differ at event " + index + " (0-based; line " + (index + 1) + " of the trace):\n  first run:  "
                    + (first == null ? "(the trace ended)" : first) + "\n  second run: " + (second == null ? "(the trace ended)" : second);
        }
    }

    /** Thrown inside a run (between simulated seconds) to end it once the comparison has found a difference. */
    public static final class Stopped extends RuntimeException {
        Stopped() {
            super("the determinism check stopped this run", null, false, false);
        }
    }

    /** Runs {@code world} twice at once and compares the runs. */
    public static Outcome check(World world) throws InterruptedException {
        Side a = new Side(world, "determinism-first");
        Side b = new Side(world, "determinism-second");
        a.thread.start();
        b.thread.start();
        try {
            return compare(a, b);
        } finally {
            a.stopped = true;
            b.stopped = true;
            a.queue.clear(); // a run waiting for room sees the stop within one wait
            b.queue.clear();
            a.thread.join();
            b.thread.join();
        }
    }

    private static Outcome compare(Side a, Side b) throws InterruptedException {
        long index = 0;
        while (true) {
            String x = a.next();
            String y = b.next();
            if (x == null && y == null) break;
            if (!Objects.equals(x, y)) {
                a.stopped = true;
                b.stopped = true;
                a.rethrow();
                b.rethrow();
                return new Outcome(false, index, null, index, strip(x), strip(y), null);
            }
            index++;
        }
        a.rethrow();
        b.rethrow();
        if (a.ran.digest().equals(b.ran.digest())) return new Outcome(true, index, a.ran.digest(), -1, null, null, null);
        return new Outcome(false, index, null, -1, null, null, firstDifference(a.ran.metrics(), b.ran.metrics()));
    }

    private static String firstDifference(Map<String, Object> x, Map<String, Object> y) {
        for (String key : new TreeSet<>(unionOf(x, y))) {
            if (!Objects.equals(String.valueOf(x.get(key)), String.valueOf(y.get(key)))) {
                return key + " = " + x.get(key) + " in the first run, " + y.get(key) + " in the second";
            }
        }
        return "the digests differ, but no metric does";
    }

    private static List<String> unionOf(Map<String, Object> x, Map<String, Object> y) {
        List<String> keys = new ArrayList<>(x.keySet());
        keys.addAll(y.keySet());
        return keys;
    }

    private static String strip(String line) {
        return line == null ? null : line.endsWith("\n") ? line.substring(0, line.length() - 1) : line;
    }

    /** One of the two runs: its thread, the queue of its trace lines, and how it ended. */
    private static final class Side implements Appendable {
        final BlockingQueue<List<String>> queue = new ArrayBlockingQueue<>(QUEUE_BATCHES);
        final Thread thread;
        volatile boolean stopped;
        List<String> batch = new ArrayList<>(BATCH_LINES);
        final StringBuilder partial = new StringBuilder();
        volatile Ran ran;
        volatile Throwable failure;
        // The comparing thread's cursor into the batch it reads.
        private List<String> reading = new ArrayList<>();
        private int at;
        private boolean ended;

        Side(World world, String name) {
            SimRunner.Progress progress = (variant, done, total, events) -> {
                if (stopped) throw new Stopped();
            };
            thread = new Thread(() -> {
                try {
                    ran = world.run(this, progress);
                    flushLine();
                    hand(batch);
                } catch (Stopped e) {
                    // the comparison is over
                } catch (Throwable e) {
                    failure = e;
                } finally {
                    handEnd();
                }
            }, name);
        }

        @Override
        public Appendable append(CharSequence text) {
            // The recorder appends one whole line at a time; anything else is joined up to its newline.
            if (stopped) return this;
            for (int i = 0; i < text.length(); i++) {
                partial.append(text.charAt(i));
                if (text.charAt(i) == '\n') flushLine();
            }
            return this;
        }

        @Override
        public Appendable append(CharSequence text, int start, int end) {
            return append(text.subSequence(start, end));
        }

        @Override
        public Appendable append(char c) {
            return append(String.valueOf(c));
        }

        private void flushLine() {
            if (partial.isEmpty()) return;
            batch.add(partial.toString());
            partial.setLength(0);
            if (batch.size() == BATCH_LINES) {
                hand(batch);
                batch = new ArrayList<>(BATCH_LINES);
            }
        }

        private void hand(List<String> lines) {
            if (lines.isEmpty()) return;
            try {
                while (!stopped) {
                    if (queue.offer(lines, OFFER_WAIT_MILLIS, TimeUnit.MILLISECONDS)) return;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        private void handEnd() {
            try {
                while (!queue.offer(END, OFFER_WAIT_MILLIS, TimeUnit.MILLISECONDS)) {
                    if (stopped) queue.clear();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        /** The next line of this run's trace, or null when it has ended. */
        String next() throws InterruptedException {
            while (!ended && at == reading.size()) {
                reading = queue.take();
                at = 0;
                if (reading == END) ended = true;
            }
            return ended ? null : reading.get(at++);
        }

        /** Throws what ended this run early, if its trace has ended because it failed. */
        void rethrow() {
            if (ended && failure != null) throw new IllegalStateException("a run of the determinism check failed: " + failure, failure);
        }
    }
}
