package dev.storyloop.device.time;

/**
 * Pending timers ordered by deadline: a binary heap over a fixed array.
 *
 * <p>Capacity is set at construction (reserved from the device's memory budget) and never
 * grows; arming one timer too many is a boot-sizing error reported with the capacity. Arm,
 * re-arm and cancel are O(log n); {@link #fire(long, int)} takes {@code now} and a limit on how
 * many timers fire in one call, so a burst of due timers cannot monopolise a loop turn.
 */
public final class TimerQueue {
    // The heap's keys live in two primitive arrays beside the timers, so a comparison reads two
    // longs next to each other instead of following a reference into each timer.
    private final Timer[] heap;
    private final long[] deadlines;
    private final long[] sequences;
    private int size;
    private long nextSequence;

    public TimerQueue(int capacity) {
        if (capacity <= 0) throw new IllegalArgumentException("capacity must be > 0, got " + capacity);
        this.heap = new Timer[capacity];
        this.deadlines = new long[capacity];
        this.sequences = new long[capacity];
    }

    public int capacity() {
        return heap.length;
    }

    public int size() {
        return size;
    }

    /** Arms {@code timer} for {@code deadlineNanos}, moving it if it was already armed. */
    public void arm(Timer timer, long deadlineNanos) {
        if (timer.isArmed()) {
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
        if (size == heap.length) {
            throw new TimerQueueFullException("timer queue full: all " + heap.length
                    + " timers are armed; reserve more timers in the device's memory budget");
        }
        timer.deadlineNanos = deadlineNanos;
        timer.sequence = sequence;
        int index = size++;
        heap[index] = timer;
        deadlines[index] = deadlineNanos;
        sequences[index] = sequence;
        timer.heapIndex = index;
        siftUp(index);
    }

    /** Disarms {@code timer}; does nothing when it is not armed. */
    public void cancel(Timer timer) {
        int index = timer.heapIndex;
        if (index < 0) return;
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
        if (index > 0 && before(index, (index - 1) >>> 1)) siftUp(index);
        else siftDown(index);
    }

    /** The earliest deadline, or {@link Long#MAX_VALUE} when no timer is armed. */
    public long nextDeadlineNanos() {
        return size == 0 ? Long.MAX_VALUE : deadlines[0];
    }

    /** Fires timers whose deadline is at or before {@code nowNanos}, at most {@code limit}; returns how many fired. */
    public int fire(long nowNanos, int limit) {
        int fired = 0;
        while (fired < limit && size > 0 && deadlines[0] <= nowNanos) {
            Timer due = heap[0];
            removeFirst();
            fired++;
            due.onFire(nowNanos);
        }
        return fired;
    }

    /**
     * Takes the root out. The hole goes down along the smaller child to a leaf (one comparison a
     * level), then the last entry fills it and rises the usual few levels: about half the
     * comparisons of sinking the last entry from the root, which matters when most removals are fires.
     */
    private void removeFirst() {
        heap[0].heapIndex = -1;
        int last = --size;
        if (last == 0) {
            heap[0] = null;
            return;
        }
        int hole = 0;
        int child;
        while ((child = 2 * hole + 1) < last) {
            if (child + 1 < last && before(child + 1, child)) child++;
            set(hole, heap[child], deadlines[child], sequences[child]);
            hole = child;
        }
        set(hole, heap[last], deadlines[last], sequences[last]);
        heap[last] = null;
        siftUp(hole);
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
            int parent = (index - 1) >>> 1;
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
        int half = size >>> 1;
        while (index < half) {
            int child = 2 * index + 1;
            if (child + 1 < size && before(child + 1, child)) child++;
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
