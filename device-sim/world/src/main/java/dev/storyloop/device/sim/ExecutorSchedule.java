package dev.storyloop.device.sim;

import java.util.Arrays;

/**
 * Which of the world's executors to step, without asking each of them: those made ready (a task
 * queued, told by {@code Executor.onReady}) and those whose earliest timer is due, kept in an
 * indexed min-heap of deadlines. Executors are stepped in index order within a turn, and one made
 * ready during the turn runs in it when its index is still to come, as a scan in index order
 * would do: the order, and so every trace, does not depend on this bookkeeping.
 *
 * <p>Each executor is a device with a CPU of its own, busy until {@link #busyUntil(int)}: a step that
 * spent CPU time (a blocking call) ends at the device's local time, later than the world's. Until the
 * world reaches it, nothing of that device runs: a task made ready waits (the executor is filed in
 * the deadline heap at its busy-until time instead of joining a turn), its timers wait, and it is not
 * told that the loop is idle (it is not: it is busy). The other executors go on at the world's time.
 * One long per executor; with no CPU time spent, the order is exactly as it was without.
 */
final class ExecutorSchedule {
    private int size;
    private boolean[] scheduled = new boolean[16];
    private boolean[] worked = new boolean[16];
    private boolean[] checked = new boolean[16]; // told it is idle after its last step, and nothing changed since
    private long[] busyUntil = new long[16]; // when each executor's CPU is free: the local time its last step ended at
    private final IntSet turn = new IntSet();
    private final IntSet next = new IntSet();
    private final IntSet workedList = new IntSet();
    private final IntSet workedBusy = new IntSet(); // worked, but busy during this idle pass: told at a later one
    private boolean stepping;
    private int current = -1;
    // the deadline heap: heap[k] is an executor index, key[i] its deadline, pos[i] its place (-1: absent)
    private int[] heap = new int[16];
    private long[] key = new long[16];
    private int[] pos = new int[16];
    private int heapSize;

    /** Adds executor {@code size}; returns its index. It starts ready (it may have spawned tasks already). */
    int add(long deadline) {
        int i = size++;
        if (i == scheduled.length) {
            int n = scheduled.length * 2;
            scheduled = Arrays.copyOf(scheduled, n);
            worked = Arrays.copyOf(worked, n);
            checked = Arrays.copyOf(checked, n);
            busyUntil = Arrays.copyOf(busyUntil, n);
            key = Arrays.copyOf(key, n);
            pos = Arrays.copyOf(pos, n);
            heap = Arrays.copyOf(heap, n);
        }
        pos[i] = -1;
        setDeadline(i, deadline);
        ready(i, 0); // a new executor's CPU is free
        markWorked(i);
        return i;
    }

    /**
     * Executor {@code i} has a task queued, at the world's time {@code now}. While it is stepped the
     * scheduler asks after the step ({@link #stepped}), when the step's busy time is known; while its
     * CPU is busy it runs when free.
     */
    void ready(int i, long now) {
        if (scheduled[i]) return;
        if (stepping && i == current) return;
        if (busyUntil[i] > now) {
            if (pos[i] < 0 || key[i] > busyUntil[i]) setDeadline(i, busyUntil[i]);
            return;
        }
        scheduled[i] = true;
        if (stepping && i > current) turn.add(i);
        else next.add(i);
    }

    /** When executor {@code i}'s CPU is free: the local time its last step ended at (at most the world's time when it is idle). */
    long busyUntil(int i) {
        return busyUntil[i];
    }

    boolean anyReady() {
        return !next.isEmpty();
    }

    /** Begins a turn at {@code now}: the ready executors and those with a due timer. */
    void beginTurn(long now) {
        while (!next.isEmpty()) turn.add(next.poll());
        while (heapSize > 0 && key[heap[0]] <= now) {
            int i = heap[0];
            removeTop();
            if (!scheduled[i]) {
                scheduled[i] = true;
                turn.add(i);
            }
        }
        stepping = true;
    }

    /** The next executor to step this turn, lowest index first; -1 when the turn is over. */
    int nextInTurn() {
        if (turn.isEmpty()) {
            stepping = false;
            current = -1;
            return -1;
        }
        int i = turn.poll();
        scheduled[i] = false;
        current = i;
        return i;
    }

    /**
     * After stepping {@code i} at the world's time {@code now}: its earliest deadline, whether it did
     * work, whether a task is queued, and the local time its step ended at (later than {@code now}
     * when a poll spent CPU time). A busy executor is filed at its busy-until time, or at its
     * earliest deadline when that is later and nothing is queued.
     */
    void stepped(int i, long deadline, boolean didWork, boolean runnable, long stepEndNanos, long now) {
        assert i == current : "stepped " + i + " while stepping " + current;
        assert stepEndNanos >= now : "a step ended before it began";
        busyUntil[i] = stepEndNanos;
        if (didWork) {
            markWorked(i);
            checked[i] = false;
        }
        if (stepEndNanos > now) {
            setDeadline(i, runnable ? stepEndNanos : Math.max(deadline, stepEndNanos));
            return;
        }
        setDeadline(i, deadline);
        if (runnable && !scheduled[i]) {
            scheduled[i] = true;
            next.add(i);
        }
    }

    /**
     * Executor {@code i} was told it is idle right after its step; {@code again}: its observers must be told
     * at every idle turn all the same. Until it changes, the pass at the instant's end may skip it.
     */
    void checkedIdle(int i, boolean again) {
        checked[i] = !again;
    }

    /** Something changed in executor {@code i} that an idle check must see (a waker let go of). */
    void changed(int i) {
        checked[i] = false;
    }

    /** True when executor {@code i}, taken by {@link #pollWorked}, must be told it is idle: it was not since its last change. */
    boolean lookAgain(int i) {
        boolean again = !checked[i];
        checked[i] = false;
        return again;
    }

    private void markWorked(int i) {
        if (worked[i]) return;
        worked[i] = true;
        workedList.add(i);
    }

    /**
     * Executors that worked since they were last told the loop is idle and are not busy at {@code now},
     * lowest index first; clears them. -1 ends the pass; the busy ones stay for a later pass.
     */
    int pollWorked(long now) {
        while (!workedList.isEmpty()) {
            int i = workedList.poll();
            if (busyUntil[i] > now) {
                workedBusy.add(i);
                continue;
            }
            worked[i] = false;
            return i;
        }
        while (!workedBusy.isEmpty()) workedList.add(workedBusy.poll());
        return -1;
    }

    long earliestDeadline() {
        return heapSize == 0 ? Long.MAX_VALUE : key[heap[0]];
    }

    // ---- the indexed deadline heap -------------------------------------------------------------

    private void setDeadline(int i, long deadline) {
        if (deadline == Long.MAX_VALUE) {
            if (pos[i] >= 0) removeAt(pos[i]);
            return;
        }
        if (pos[i] < 0) {
            key[i] = deadline;
            heap[heapSize] = i;
            pos[i] = heapSize++;
            up(pos[i]);
        } else {
            long old = key[i];
            key[i] = deadline;
            if (deadline < old) up(pos[i]);
            else down(pos[i]);
        }
    }

    private void removeTop() {
        removeAt(0);
    }

    private void removeAt(int k) {
        int i = heap[k];
        pos[i] = -1;
        heapSize--;
        if (k == heapSize) return;
        heap[k] = heap[heapSize];
        pos[heap[k]] = k;
        down(k);
        up(k);
    }

    private boolean less(int a, int b) {
        long ka = key[heap[a]], kb = key[heap[b]];
        return ka < kb || (ka == kb && heap[a] < heap[b]);
    }

    private void swap(int a, int b) {
        int t = heap[a];
        heap[a] = heap[b];
        heap[b] = t;
        pos[heap[a]] = a;
        pos[heap[b]] = b;
    }

    private void up(int k) {
        while (k > 0) {
            int parent = (k - 1) >>> 1;
            if (!less(k, parent)) return;
            swap(k, parent);
            k = parent;
        }
    }

    private void down(int k) {
        while (true) {
            int l = 2 * k + 1, r = l + 1, smallest = k;
            if (l < heapSize && less(l, smallest)) smallest = l;
            if (r < heapSize && less(r, smallest)) smallest = r;
            if (smallest == k) return;
            swap(k, smallest);
            k = smallest;
        }
    }

    /**
     * A growable set of small non-negative ints taken lowest first: a bitmap with a summary bitmap
     * above it, and so on up to one word, so that adding and taking cost a few word operations each
     * (one per level: three for a fleet of a million) however many are in the set.
     */
    static final class IntSet {
        private long[][] levels = {new long[1]}; // levels[0]: bit i is i; levels[k + 1]: bit w is "word w of levels[k] is not 0"

        boolean isEmpty() {
            return levels[levels.length - 1][0] == 0;
        }

        void add(int v) {
            if ((v >>> 6) >= levels[0].length) grow(v);
            int i = v;
            for (long[] level : levels) {
                int w = i >>> 6;
                long word = level[w];
                level[w] = word | (1L << i);
                if (word != 0) return; // the levels above already know word w is not empty
                i = w;
            }
        }

        /** Takes the lowest; the set must not be empty. */
        int poll() {
            int i = 0;
            for (int k = levels.length - 1; k >= 0; k--) i = (i << 6) | Long.numberOfTrailingZeros(levels[k][i]);
            int v = i;
            for (long[] level : levels) {
                int w = i >>> 6;
                level[w] &= ~(1L << i);
                if (level[w] != 0) break;
                i = w;
            }
            return v;
        }

        private void grow(int v) {
            int words = Math.max(levels[0].length * 2, (v >>> 6) + 1);
            long[] leaves = Arrays.copyOf(levels[0], words);
            int depth = 1;
            for (int n = words; n > 1; n = (n + 63) >>> 6) depth++;
            long[][] grown = new long[depth][];
            grown[0] = leaves;
            for (int k = 1; k < depth; k++) {
                long[] below = grown[k - 1];
                long[] level = new long[(below.length + 63) >>> 6];
                for (int w = 0; w < below.length; w++) if (below[w] != 0) level[w >>> 6] |= 1L << w;
                grown[k] = level;
            }
            levels = grown;
        }
    }
}
