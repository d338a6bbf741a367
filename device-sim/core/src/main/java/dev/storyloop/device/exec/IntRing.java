package dev.storyloop.device.exec;

/** A fixed-capacity FIFO of ints for the loop thread alone (the local run queue). */
final class IntRing {
    private final int[] items;
    private final int mask;
    private long head;
    private long tail;

    IntRing(int capacity) {
        int size = Integer.highestOneBit(Math.max(1, capacity - 1)) << 1;
        this.items = new int[size];
        this.mask = size - 1;
    }

    /** Adds {@code value}; the caller guarantees room (each task is queued at most once). */
    void push(int value) {
        if (tail - head == items.length) throw new IllegalStateException("run queue overflow: " + items.length);
        items[(int) (tail++ & mask)] = value;
    }

    int pop() {
        assert head < tail : "pop from empty ring";
        return items[(int) (head++ & mask)];
    }

    int size() {
        return (int) (tail - head);
    }
}
