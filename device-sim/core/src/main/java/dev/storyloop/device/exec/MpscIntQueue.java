package dev.storyloop.device.exec;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * A bounded lock-free queue of ints, many producers and one consumer: the interrupt queue.
 *
 * <p>Other threads (Paho's callbacks, a GPIO edge, a test) put woken task slots here; the loop
 * drains it. Each cell carries a sequence number, in the manner of Dmitry Vyukov's bounded queue,
 * so a producer that claimed a cell publishes it with one ordered write and the consumer never
 * sees half an entry. {@link #offer(int)} returns false when full instead of waiting: the
 * executor sizes the queue so that it cannot be full (a task is queued at most once).
 */
final class MpscIntQueue {
    private final int[] items;
    private final AtomicLongArray sequences;
    private final int mask;
    private final AtomicLong tail = new AtomicLong();
    private long head; // consumer only

    MpscIntQueue(int capacity) {
        int size = Integer.highestOneBit(Math.max(1, capacity - 1)) << 1;
        this.items = new int[size];
        this.sequences = new AtomicLongArray(size);
        this.mask = size - 1;
        for (int i = 0; i < size; i++) sequences.set(i, i);
    }

    boolean offer(int value) {
        while (true) {
            long position = tail.get();
            int cell = (int) (position & mask);
            long sequence = sequences.get(cell);
            if (sequence == position) {
                if (tail.compareAndSet(position, position + 1)) {
                    items[cell] = value;
                    // Publishes items[cell]. A full (volatile) write, not lazySet: the producer reads the loop's
                    // "parked" flag next, and that read must not move before this write, or both sides miss.
                    sequences.set(cell, position + 1);
                    return true;
                }
            } else if (sequence < position) {
                return false; // full
            }
            // Another producer took this position; try the next.
        }
    }

    /** Takes the next value, or returns -1 when nothing (fully published) is there. */
    int poll() {
        int cell = (int) (head & mask);
        long sequence = sequences.get(cell);
        if (sequence != head + 1) return -1;
        int value = items[cell];
        sequences.lazySet(cell, head + mask + 1);
        head++;
        return value;
    }

    boolean isEmpty() {
        return sequences.get((int) (head & mask)) != head + 1;
    }
}
