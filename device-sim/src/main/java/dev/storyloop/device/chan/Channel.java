package dev.storyloop.device.chan;

import dev.storyloop.device.exec.Context;
import dev.storyloop.device.exec.Future;
import dev.storyloop.device.exec.Poll;
import dev.storyloop.device.exec.WakeSource;
import dev.storyloop.device.exec.WaitNode;
import dev.storyloop.device.exec.WakerSlot;
import dev.storyloop.device.memory.MemoryBudget;

import java.util.Objects;

/**
 * A bounded FIFO between tasks of one executor; its capacity is reserved at boot and never grows.
 *
 * <p>{@link Sender#send} is a future that waits for space (backpressure) under {@link
 * OverflowPolicy#BLOCK}, or completes at once dropping the oldest or the newest item under the
 * drop policies, counting every drop. {@link #trySend} fails when full whatever the policy.
 * Waiting senders and receivers queue in arrival order; when space (or an item) appears it is
 * handed to the first waiter and reserved for it, so a newcomer cannot take it and the woken
 * waiter never wakes for nothing: one wake per hand-off, no ping-pong.
 *
 * <p>Each {@link Sender} and {@link Receiver} owns one reusable future, so sending and receiving
 * allocate nothing. Loop thread only.
 */
public final class Channel<T> implements WakeSource {
    private final String name;
    private final String sourceName; // made once: traces name the source on every wake
    private OverflowPolicy policy;
    private final Object[] items;
    private int head;
    private int size;
    private int reservedSlots; // free slots promised to woken senders
    private int reservedItems; // items promised to woken receivers
    private final WaitList<SendFuture> sendWaiters = new WaitList<>();
    private final WaitList<RecvFuture> recvWaiters = new WaitList<>();
    private final ChannelStats stats = new ChannelStats();
    private final Object capacityWait = new Object() {
        @Override public String toString() { return "capacity of channel '" + name + "'"; }
    };
    private final Object itemWait = new Object() {
        @Override public String toString() { return "an item in channel '" + name + "'"; }
    };

    private Channel(String name, int capacity, OverflowPolicy policy) {
        if (capacity <= 0) throw new IllegalArgumentException("channel '" + name + "': capacity must be > 0, got " + capacity);
        this.name = Objects.requireNonNull(name, "name");
        this.sourceName = "chan:" + name;
        this.policy = Objects.requireNonNull(policy, "policy");
        this.items = new Object[capacity];
    }

    /** A channel whose {@code capacity} items of {@code itemBytes} each are reserved in {@code budget}. */
    public static <T> Channel<T> create(MemoryBudget budget, String name, int capacity, int itemBytes, OverflowPolicy policy) {
        budget.reserve(name + " queue", capacity, itemBytes);
        return new Channel<>(name, capacity, policy);
    }

    /** A channel outside any budget, for tests and tools. */
    public static <T> Channel<T> unbudgeted(String name, int capacity, OverflowPolicy policy) {
        return new Channel<>(name, capacity, policy);
    }

    public Sender<T> sender() {
        return new Sender<>(this);
    }

    public Receiver<T> receiver() {
        return new Receiver<>(this);
    }

    /** Queues {@code item} if there is unreserved space; otherwise returns false (counted). */
    public boolean trySend(T item) {
        Objects.requireNonNull(item, "item");
        if (size + reservedSlots >= items.length) {
            stats.trySendRejected++;
            return false;
        }
        push(item);
        return true;
    }

    /** Takes the next unreserved item, or null when there is none. */
    public T tryRecv() {
        if (size - reservedItems <= 0) return null;
        return pop();
    }

    private int index(int offset) {
        int i = head + offset;
        return i >= items.length ? i - items.length : i; // no division on the hot path
    }

    private void push(Object item) {
        items[index(size)] = item;
        size++;
        stats.sent++;
        if (size > stats.peakDepth) stats.peakDepth = size;
        RecvFuture receiver = recvWaiters.pollFirst();
        if (receiver != null) {
            reservedItems++;
            receiver.granted = true;
            receiver.waker.wake(this);
        }
    }

    @SuppressWarnings("unchecked")
    private T pop() {
        T item = (T) items[head];
        items[head] = null;
        head = index(1);
        size--;
        stats.received++;
        grantSpace();
        return item;
    }

    private void grantSpace() {
        if (size + reservedSlots >= items.length) return;
        SendFuture sender = sendWaiters.pollFirst();
        if (sender != null) {
            reservedSlots++;
            sender.granted = true;
            sender.waker.wake(this);
        }
    }

    private void grantItem() {
        if (size - reservedItems <= 0) return;
        RecvFuture receiver = recvWaiters.pollFirst();
        if (receiver != null) {
            reservedItems++;
            receiver.granted = true;
            receiver.waker.wake(this);
        }
    }

    public String name() { return name; }
    public int capacity() { return items.length; }
    /** Items queued now. */
    public int depth() { return size; }
    public OverflowPolicy policy() { return policy; }

    /** Changes what a send into a full channel does, from the next send on (a command can do this at run time). */
    public void policy(OverflowPolicy next) {
        this.policy = Objects.requireNonNull(next, "policy");
    }

    /**
     * Empties the channel (a reboot losing RAM) and returns how many items were thrown away.
     * Only when no task waits on it: abort the tasks first.
     */
    public int clear() {
        if (sendWaiters.size() != 0 || recvWaiters.size() != 0 || reservedSlots != 0 || reservedItems != 0) {
            throw new IllegalStateException("channel '" + name + "' cleared while tasks wait on it");
        }
        int cleared = size;
        while (size > 0) {
            items[head] = null;
            head = index(1);
            size--;
        }
        head = 0;
        return cleared;
    }
    public ChannelStats stats() { return stats; }
    public int waitingSenders() { return sendWaiters.size(); }
    public int waitingReceivers() { return recvWaiters.size(); }

    @Override
    public String wakeSourceName() {
        return sourceName;
    }

    @Override
    public String toString() {
        return "channel '" + name + "' " + size + "/" + items.length;
    }

    /** One producer's handle; its {@link #send} future is reused for every item. */
    public static final class Sender<T> {
        private final Channel<T>.SendFuture future;

        private Sender(Channel<T> channel) {
            this.future = channel.new SendFuture();
        }

        /** A future that queues {@code item} per the channel's overflow policy. One send at a time per sender. */
        public Future<Void> send(T item) {
            Objects.requireNonNull(item, "item");
            if (future.item != null) throw new IllegalStateException("sender already has a send in progress");
            future.item = item;
            return future;
        }
    }

    /** One consumer's handle; its {@link #recv} future is reused for every item. */
    public static final class Receiver<T> {
        private final Channel<T>.RecvFuture future;

        private Receiver(Channel<T> channel) {
            this.future = channel.new RecvFuture();
        }

        /** A future for the next item. One receive at a time per receiver. */
        public Future<T> recv() {
            future.item = null;
            return future;
        }
    }

    final class SendFuture extends WaitList.Node<SendFuture> implements Future<Void>, WaitNode {
        final WakerSlot waker = new WakerSlot();
        Object item;
        boolean granted;

        @Override
        public Poll poll(Context cx) {
            if (item == null) return Poll.READY; // already sent
            if (granted) {
                granted = false;
                reservedSlots--;
                return sent();
            }
            if (!isLinked() && size + reservedSlots < items.length) return sent();
            switch (policy) {
                case DROP_OLDEST:
                    if (size > 0) {
                        items[head] = null;
                        head = index(1);
                        size--;
                        stats.droppedOldest++;
                        cx.note("chan.drop-oldest", Channel.this);
                        return sent();
                    }
                    break; // all space is reserved for woken senders (cannot happen without BLOCK senders)
                case DROP_NEWEST:
                    item = null;
                    stats.droppedNewest++;
                    cx.note("chan.drop-newest", Channel.this);
                    return Poll.READY;
                case BLOCK:
                default:
                    break;
            }
            if (!isLinked()) {
                sendWaiters.addLast(this);
                stats.sendWaits++;
                cx.note("chan.full", Channel.this);
            }
            waker.register(cx);
            cx.waitingOn(this);
            return Poll.PENDING;
        }

        private Poll sent() {
            Object value = item;
            item = null;
            push(value);
            return Poll.READY;
        }

        @Override
        public Void output() {
            return null;
        }

        @Override
        public String waitLabel(long nowNanos) {
            return capacityWait.toString();
        }

        @Override
        public String wakerHolder() {
            return waker.isRegistered() ? "channel '" + name + "'" : null;
        }

        @Override
        public String toString() {
            return capacityWait.toString();
        }

        @Override
        public void cancel() {
            if (isLinked()) sendWaiters.remove(this);
            if (granted) {
                granted = false;
                reservedSlots--;
                grantSpace(); // the promised slot goes to the next waiter
            }
            item = null;
            waker.clear();
        }
    }

    final class RecvFuture extends WaitList.Node<RecvFuture> implements Future<T>, WaitNode {
        final WakerSlot waker = new WakerSlot();
        T item;
        boolean granted;

        @Override
        public Poll poll(Context cx) {
            if (granted) {
                granted = false;
                reservedItems--;
                item = pop();
                return Poll.READY;
            }
            if (!isLinked() && size - reservedItems > 0) {
                item = pop();
                return Poll.READY;
            }
            if (!isLinked()) {
                recvWaiters.addLast(this);
                cx.note("chan.empty", Channel.this);
            }
            waker.register(cx);
            cx.waitingOn(this);
            return Poll.PENDING;
        }

        @Override
        public T output() {
            return item;
        }

        @Override
        public String waitLabel(long nowNanos) {
            return itemWait.toString();
        }

        @Override
        public String wakerHolder() {
            return waker.isRegistered() ? "channel '" + name + "'" : null;
        }

        @Override
        public String toString() {
            return itemWait.toString();
        }

        @Override
        public void cancel() {
            if (isLinked()) recvWaiters.remove(this);
            if (granted) {
                granted = false;
                reservedItems--;
                grantItem();
            }
            waker.clear();
        }
    }
}
