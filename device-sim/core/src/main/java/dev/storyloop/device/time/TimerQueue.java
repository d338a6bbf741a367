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
    private final Timer[] heap;
    private int size;
    private long nextSequence;

    public TimerQueue(int capacity) {
        if (capacity <= 0) throw new IllegalArgumentException("capacity must be > 0, got " + capacity);
        this.heap = new Timer[capacity];
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
            timer.deadlineNanos = deadlineNanos;
            timer.sequence = nextSequence++;
            int index = timer.heapIndex;
            siftUp(index);
            siftDown(timer.heapIndex);
            return;
        }
        if (size == heap.length) {
            throw new TimerQueueFullException("timer queue full: all " + heap.length
                    + " timers are armed; reserve more timers in the device's memory budget");
        }
        timer.deadlineNanos = deadlineNanos;
        timer.sequence = nextSequence++;
        timer.heapIndex = size;
        heap[size++] = timer;
        siftUp(timer.heapIndex);
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
        if (size == heap.length) {
            throw new TimerQueueFullException("timer queue full: all " + heap.length
                    + " timers are armed; reserve more timers in the device's memory budget");
        }
        timer.deadlineNanos = deadlineNanos;
        timer.sequence = sequence;
        timer.heapIndex = size;
        heap[size++] = timer;
        siftUp(timer.heapIndex);
    }

    /** Disarms {@code timer}; does nothing when it is not armed. */
    public void cancel(Timer timer) {
        int index = timer.heapIndex;
        if (index < 0) return;
        assert heap[index] == timer : "timer armed in another queue";
        Timer last = heap[--size];
        heap[size] = null;
        timer.heapIndex = -1;
        if (index < size) {
            heap[index] = last;
            last.heapIndex = index;
            siftUp(index);
            siftDown(last.heapIndex);
        }
    }

    /** The earliest deadline, or {@link Long#MAX_VALUE} when no timer is armed. */
    public long nextDeadlineNanos() {
        return size == 0 ? Long.MAX_VALUE : heap[0].deadlineNanos;
    }

    /** Fires timers whose deadline is at or before {@code nowNanos}, at most {@code limit}; returns how many fired. */
    public int fire(long nowNanos, int limit) {
        int fired = 0;
        while (fired < limit && size > 0 && heap[0].deadlineNanos <= nowNanos) {
            Timer due = heap[0];
            cancel(due);
            fired++;
            due.onFire(nowNanos);
        }
        return fired;
    }

    private boolean before(Timer a, Timer b) {
        if (a.deadlineNanos != b.deadlineNanos) return a.deadlineNanos < b.deadlineNanos;
        return a.sequence < b.sequence;
    }

    private void siftUp(int index) {
        Timer timer = heap[index];
        while (index > 0) {
            int parent = (index - 1) >>> 1;
            if (!before(timer, heap[parent])) break;
            place(heap[parent], index);
            index = parent;
        }
        place(timer, index);
    }

    private void siftDown(int index) {
        Timer timer = heap[index];
        int half = size >>> 1;
        while (index < half) {
            int child = 2 * index + 1;
            int right = child + 1;
            if (right < size && before(heap[right], heap[child])) child = right;
            if (!before(heap[child], timer)) break;
            place(heap[child], index);
            index = child;
        }
        place(timer, index);
    }

    private void place(Timer timer, int index) {
        heap[index] = timer;
        timer.heapIndex = index;
    }
}
