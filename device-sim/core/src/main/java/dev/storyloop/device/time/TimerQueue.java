package dev.storyloop.device.time;

/**
 * Pending timers ordered by deadline: a four-ary heap (half the levels of a binary heap, so a
 * simulated world's thousands of link timers move through fewer of them).
 *
 * <p>Capacity is set at construction (reserved from the device's memory budget) and never
 * grows (the arrays start small and double up to it); arming one timer too many is a boot-sizing error reported with the capacity. Arm,
 * re-arm and cancel are O(log n); {@link #fire(long, int)} takes {@code now} and a limit on how
 * many timers fire in one call, so a burst of due timers cannot monopolise a loop turn.
 */
public final class TimerQueue {
    private static final int ARITY = 4;
    private static final int INITIAL_LENGTH = 8;

    // The heap's keys live in two primitive arrays beside the timers, so a comparison reads two
    // longs next to each other instead of following a reference into each timer.
    // They start small and double as more timers are armed at once, never past the capacity: a
    // device reserves 64 and most arm a handful, which matters in a fleet of a million.
    private final int capacity;
    private Timer[] heap;
    private long[] deadlines;
    private long[] sequences;
    private int size;             // entries in the arrays, counting a vacant root
    private boolean rootVacant;   // only while a fired timer's onFire runs: see fire()
    private long nextSequence;

    public TimerQueue(int capacity) {
        if (capacity <= 0) throw new IllegalArgumentException("capacity must be > 0, got " + capacity);
        this.capacity = capacity;
        int length = Math.min(capacity, INITIAL_LENGTH);
        this.heap = new Timer[length];
        this.deadlines = new long[length];
        this.sequences = new long[length];
    }

    public int capacity() {
        return capacity;
    }

    public int size() {
        return rootVacant ? size - 1 : size;
    }

    /** Arms {@code timer} for {@code deadlineNanos}, moving it if it was already armed. */
    public void arm(Timer timer, long deadlineNanos) {
        if (timer.isArmed()) {
            settleRoot();
            assert heap[timer.heapIndex] == timer : "timer armed in another queue";
            int index = timer.heapIndex;
            timer.deadlineNanos = deadlineNanos;
            timer.sequence = nextSequence++;
            deadlines[index] = deadlineNanos;
            sequences[index] = timer.sequence;
            siftUp(index);
            siftDown(timer.heapIndex);
            return;
        }
        push(timer, deadlineNanos, nextSequence++);
    }

    /**
     * True when {@code timer} is armed for {@code deadlineNanos} and no sequence was given out since it
     * was armed: re-arming it there with {@link #arm(Timer, long)} would change nothing in the order of
     * events, so a caller may skip it.
     */
    public boolean isArmedLastFor(Timer timer, long deadlineNanos) {
        return timer.isArmed() && timer.deadlineNanos == deadlineNanos && timer.sequence == nextSequence - 1;
    }

    /**
     * Takes the arming sequence number the next {@link #arm} would use, for an entry that a shared
     * timer will stand for later (a simulated link's packets share one timer): armed with
     * {@link #arm(Timer, long, long)}, it ties with other timers exactly as if it had been armed now.
     */
    public long takeSequence() {
        return nextSequence++;
    }

    /** Arms {@code timer} for {@code deadlineNanos} with a sequence taken earlier by {@link #takeSequence()}. */
    public void arm(Timer timer, long deadlineNanos, long sequence) {
        assert sequence < nextSequence : "sequence " + sequence + " was never taken";
        if (timer.isArmed()) cancel(timer);
        push(timer, deadlineNanos, sequence);
    }

    private void push(Timer timer, long deadlineNanos, long sequence) {
        timer.deadlineNanos = deadlineNanos;
        timer.sequence = sequence;
        if (rootVacant) {
            // The first timer armed while one fires takes the fired one's place at the root. A link
            // re-arming for its next packet usually belongs there, so it costs a comparison or four.
            rootVacant = false;
            set(0, timer, deadlineNanos, sequence);
            siftDown(0);
            return;
        }
        if (size == heap.length) grow();
        if (size == heap.length) {
            throw new TimerQueueFullException("timer queue full: all " + capacity
                    + " timers are armed; reserve more timers in the device's memory budget");
        }
        int index = size++;
        heap[index] = timer;
        deadlines[index] = deadlineNanos;
        sequences[index] = sequence;
        timer.heapIndex = index;
        siftUp(index);
    }

    /** Disarms {@code timer}; does nothing when it is not armed. */
    public void cancel(Timer timer) {
        if (timer.heapIndex < 0) return;
        settleRoot();
        int index = timer.heapIndex;
        assert heap[index] == timer : "timer armed in another queue";
        timer.heapIndex = -1;
        int last = --size;
        if (index == last) {
            heap[last] = null;
            return;
        }
        // Fill the hole with the last entry: down past smaller children, or up past larger parents.
        Timer moved = heap[last];
        long deadline = deadlines[last];
        long sequence = sequences[last];
        heap[last] = null;
        set(index, moved, deadline, sequence);
        if (index > 0 && before(index, parent(index))) siftUp(index);
        else siftDown(index);
    }

    /** The earliest deadline, or {@link Long#MAX_VALUE} when no timer is armed. */
    public long nextDeadlineNanos() {
        settleRoot();
        return size == 0 ? Long.MAX_VALUE : deadlines[0];
    }

    /** Fires timers whose deadline is at or before {@code nowNanos}, at most {@code limit}; returns how many fired. */
    public int fire(long nowNanos, int limit) {
        int fired = 0;
        while (fired < limit && size > 0 && deadlines[0] <= nowNanos) {
            Timer due = heap[0];
            due.heapIndex = -1;
            rootVacant = true; // filled by the first timer onFire arms, if any, else below
            fired++;
            due.onFire(nowNanos);
            settleRoot();
        }
        return fired;
    }

    /**
     * Takes a vacant root out (a fired timer's onFire armed none). The hole goes down along the smallest child to a leaf (three comparisons
     * a level), then the last entry fills it and rises the usual few levels: about half the
     * comparisons of sinking the last entry from the root, which matters when most removals are fires.
     */
    private void settleRoot() {
        if (!rootVacant) return;
        rootVacant = false;
        int last = --size;
        if (last == 0) {
            heap[0] = null;
            return;
        }
        int hole = 0;
        int child;
        while ((child = firstChild(hole)) < last) {
            child = smallest(child, Math.min(child + ARITY, last));
            set(hole, heap[child], deadlines[child], sequences[child]);
            hole = child;
        }
        set(hole, heap[last], deadlines[last], sequences[last]);
        heap[last] = null;
        siftUp(hole);
    }

    private void grow() {
        if (heap.length == capacity) return;
        int length = (int) Math.min(capacity, 2L * heap.length);
        heap = java.util.Arrays.copyOf(heap, length);
        deadlines = java.util.Arrays.copyOf(deadlines, length);
        sequences = java.util.Arrays.copyOf(sequences, length);
    }

    private static int parent(int index) {
        return (index - 1) >>> 2;
    }

    private static int firstChild(int index) {
        return (index << 2) + 1;
    }

    /** The index of the earliest entry in {@code [from, to)}, which is not empty. */
    private int smallest(int from, int to) {
        int best = from;
        for (int i = from + 1; i < to; i++) if (before(i, best)) best = i;
        return best;
    }

    private boolean before(int a, int b) {
        long da = deadlines[a];
        long db = deadlines[b];
        return da < db || (da == db && sequences[a] < sequences[b]);
    }

    private void siftUp(int index) {
        Timer timer = heap[index];
        long deadline = deadlines[index];
        long sequence = sequences[index];
        while (index > 0) {
            int parent = parent(index);
            long parentDeadline = deadlines[parent];
            if (deadline > parentDeadline || (deadline == parentDeadline && sequence > sequences[parent])) break;
            set(index, heap[parent], parentDeadline, sequences[parent]);
            index = parent;
        }
        set(index, timer, deadline, sequence);
    }

    private void siftDown(int index) {
        Timer timer = heap[index];
        long deadline = deadlines[index];
        long sequence = sequences[index];
        int child;
        while ((child = firstChild(index)) < size) {
            child = smallest(child, Math.min(child + ARITY, size));
            long childDeadline = deadlines[child];
            if (childDeadline > deadline || (childDeadline == deadline && sequences[child] > sequence)) break;
            set(index, heap[child], childDeadline, sequences[child]);
            index = child;
        }
        set(index, timer, deadline, sequence);
    }

    private void set(int index, Timer timer, long deadline, long sequence) {
        heap[index] = timer;
        deadlines[index] = deadline;
        sequences[index] = sequence;
        timer.heapIndex = index;
    }
}
