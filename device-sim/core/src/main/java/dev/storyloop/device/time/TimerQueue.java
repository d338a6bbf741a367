package dev.storyloop.device.time;

/**
 * Pending timers ordered by deadline: a four-ary heap (half the levels of a binary heap, so a
 * simulated world's thousands of link timers move through fewer of them), and, when asked for at
 * construction, a few runs beside it.
 *
 * <p>A run is a queue of timers armed in order: each one's deadline (and arming sequence, on a tie)
 * at or after the one before. A simulated world arms most of its timers so, in bursts: a fleet whose
 * devices all read at the same instant arms a hundred thousand link timers for the same deadline,
 * one after the other, then fires them in the same order. In a run that costs an append and a
 * take, where the heap took each down its levels, writing every timer it moved on the way. A timer
 * joins the run whose last key is the greatest not after its own (or an empty run), else the heap;
 * the earliest of the runs' heads and the heap's root fires first. Deadline and sequence together
 * are unique, so the order is exactly the heap's alone: only the cost changes.
 *
 * <p>Capacity is set at construction (reserved from the device's memory budget) and never
 * grows (the arrays start small and double up to it); arming one timer too many is a boot-sizing error reported with the capacity. Arm,
 * re-arm and cancel are O(log n); {@link #fire(long, int)} takes {@code now} and a limit on how
 * many timers fire in one call, so a burst of due timers cannot monopolise a loop turn.
 */
public final class TimerQueue {
    private static final int ARITY = 4;
    private static final int INITIAL_LENGTH = 8;
    /** The most runs a queue may ask for: each head is compared on every fire. */
    public static final int RUNS_MAX = 4;

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
    private final Run[] runs;
    private int inRuns; // timers armed in the runs

    public TimerQueue(int capacity) {
        this(capacity, 0);
    }

    /** A queue with {@code runs} runs (0 to {@value #RUNS_MAX}) beside its heap: for a simulated world's many timers armed in order. */
    public TimerQueue(int capacity, int runs) {
        if (capacity <= 0) throw new IllegalArgumentException("capacity must be > 0, got " + capacity);
        if (runs < 0 || runs > RUNS_MAX) throw new IllegalArgumentException("runs must be 0 to " + RUNS_MAX + ", got " + runs);
        if (runs > 0 && capacity > (Integer.MAX_VALUE - 2) / RUNS_MAX) {
            throw new IllegalArgumentException("a queue with runs holds at most " + (Integer.MAX_VALUE - 2) / RUNS_MAX + " timers, not " + capacity);
        }
        this.capacity = capacity;
        int length = Math.min(capacity, INITIAL_LENGTH);
        this.heap = new Timer[length];
        this.deadlines = new long[length];
        this.sequences = new long[length];
        this.runs = new Run[runs];
        for (int r = 0; r < runs; r++) this.runs[r] = new Run(r, this.runs.length, capacity);
    }

    public int capacity() {
        return capacity;
    }

    public int size() {
        return (rootVacant ? size - 1 : size) + inRuns;
    }

    /** Arms {@code timer} for {@code deadlineNanos}, moving it if it was already armed. */
    public void arm(Timer timer, long deadlineNanos) {
        if (timer.heapIndex < -1) cancel(timer); // in a run: it leaves it, and goes where its new key belongs
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
        if (runs.length > 0 && toRun(timer, deadlineNanos, sequence)) return;
        if (rootVacant) {
            // The first timer armed while one fires takes the fired one's place at the root. A link
            // re-arming for its next packet usually belongs there, so it costs a comparison or four.
            // (With runs, one armed into a run before may have filled the queue: the root is no room then.)
            if (size() >= capacity) throw full();
            rootVacant = false;
            set(0, timer, deadlineNanos, sequence);
            siftDown(0);
            return;
        }
        if (size == heap.length) grow();
        if (size == heap.length || size + inRuns >= capacity) throw full();
        int index = size++;
        heap[index] = timer;
        deadlines[index] = deadlineNanos;
        sequences[index] = sequence;
        timer.heapIndex = index;
        siftUp(index);
    }

    private TimerQueueFullException full() {
        return new TimerQueueFullException("timer queue full: all " + capacity
                + " timers are armed; reserve more timers in the device's memory budget");
    }

    /**
     * Appends the timer to the run whose last key is the greatest at or before its own, or to an
     * empty run; false when no run can take it in order.
     */
    private boolean toRun(Timer timer, long deadlineNanos, long sequence) {
        Run best = null;
        Run empty = null;
        for (Run run : runs) {
            if (run.live == 0) {
                if (empty == null) empty = run;
            } else if (run.lastDeadline < deadlineNanos || (run.lastDeadline == deadlineNanos && run.lastSequence < sequence)) {
                if (best == null || run.lastDeadline > best.lastDeadline
                        || (run.lastDeadline == best.lastDeadline && run.lastSequence > best.lastSequence)) best = run;
            }
        }
        if (best == null) best = empty;
        if (best == null) return false;
        if (size() >= capacity) throw full();
        best.append(timer, deadlineNanos, sequence);
        inRuns++;
        return true;
    }

    /** The run whose head fires next, or null when every run is empty. */
    private Run earliestRun() {
        Run earliest = null;
        for (Run run : runs) {
            if (run.live == 0) continue;
            if (earliest == null || run.deadlines[run.head] < earliest.deadlines[earliest.head]
                    || (run.deadlines[run.head] == earliest.deadlines[earliest.head] && run.sequences[run.head] < earliest.sequences[earliest.head])) {
                earliest = run;
            }
        }
        return earliest;
    }

    /** Disarms {@code timer}; does nothing when it is not armed. */
    public void cancel(Timer timer) {
        if (timer.heapIndex < -1) {
            int code = -2 - timer.heapIndex;
            runs[code % runs.length].remove(code / runs.length, timer);
            timer.heapIndex = -1;
            inRuns--;
            return;
        }
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
        long next = size == 0 ? Long.MAX_VALUE : deadlines[0];
        if (inRuns > 0) {
            Run run = earliestRun();
            next = Math.min(next, run.deadlines[run.head]);
        }
        return next;
    }

    /** Fires timers whose deadline is at or before {@code nowNanos}, at most {@code limit}; returns how many fired. */
    public int fire(long nowNanos, int limit) {
        int fired = 0;
        while (fired < limit) {
            Run run = inRuns == 0 ? null : earliestRun();
            if (run != null && (size == 0 || run.deadlines[run.head] < deadlines[0]
                    || (run.deadlines[run.head] == deadlines[0] && run.sequences[run.head] < sequences[0]))) {
                if (run.deadlines[run.head] > nowNanos) break;
                Timer due = run.take();
                inRuns--;
                fired++;
                due.onFire(nowNanos);
                continue;
            }
            if (size == 0 || deadlines[0] > nowNanos) break;
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

    /**
     * A run: timers in the order they fire, taken from the head and appended at the tail, between
     * them the places of cancelled ones (null). The arrays start small and double up to the queue's
     * capacity; the live entries move to the start when the tail reaches the end.
     */
    private static final class Run {
        private final int number;
        private final int runs;
        private final int capacity;
        Timer[] timers = new Timer[INITIAL_LENGTH];
        long[] deadlines = new long[INITIAL_LENGTH];
        long[] sequences = new long[INITIAL_LENGTH];
        int head;
        int tail;
        int live;
        long lastDeadline; // the key of the last timer appended: the next must not come before it
        long lastSequence;

        Run(int number, int runs, int capacity) {
            this.number = number;
            this.runs = runs;
            this.capacity = capacity;
        }

        void append(Timer timer, long deadline, long sequence) {
            if (tail == timers.length) makeRoom();
            timers[tail] = timer;
            deadlines[tail] = deadline;
            sequences[tail] = sequence;
            timer.heapIndex = code(tail);
            tail++;
            live++;
            lastDeadline = deadline;
            lastSequence = sequence;
        }

        /** Takes the head, which must be live; the next live one becomes the head. */
        Timer take() {
            Timer due = timers[head];
            timers[head] = null;
            due.heapIndex = -1;
            live--;
            head++;
            skipCancelled();
            return due;
        }

        void remove(int at, Timer timer) {
            assert timers[at] == timer : "timer armed in another run";
            timers[at] = null;
            live--;
            if (at == head) skipCancelled();
        }

        private void skipCancelled() {
            if (live == 0) {
                java.util.Arrays.fill(timers, head, tail, null);
                head = 0;
                tail = 0;
                return;
            }
            while (timers[head] == null) head++;
        }

        /** The tail is at the end: the live entries move to the start, and the arrays double when they are more than half full. */
        private void makeRoom() {
            int length = timers.length;
            if (live * 2 > length && length < capacity) length = (int) Math.min(capacity, 2L * length);
            Timer[] movedTimers = length == timers.length ? timers : new Timer[length];
            long[] movedDeadlines = length == timers.length ? deadlines : new long[length];
            long[] movedSequences = length == timers.length ? sequences : new long[length];
            int to = 0;
            for (int from = head; from < tail; from++) {
                Timer timer = timers[from];
                if (timer == null) continue;
                movedTimers[to] = timer;
                movedDeadlines[to] = deadlines[from];
                movedSequences[to] = sequences[from];
                timer.heapIndex = code(to);
                to++;
            }
            if (movedTimers == timers) java.util.Arrays.fill(timers, to, tail, null);
            timers = movedTimers;
            deadlines = movedDeadlines;
            sequences = movedSequences;
            head = 0;
            tail = to;
        }

        /** A place in this run as the timer's index: -2 and below, the run's number in its low digits. */
        private int code(int at) {
            return -2 - (at * runs + number);
        }
    }
}
