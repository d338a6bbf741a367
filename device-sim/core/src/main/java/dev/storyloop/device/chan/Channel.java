package dev.storyloop.device.chan;

import dev.storyloop.device.exec.Closable;
import dev.storyloop.device.exec.Context;
import dev.storyloop.device.exec.Future;
import dev.storyloop.device.exec.Poll;
import dev.storyloop.device.exec.Registration;
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
 * <p>Closing, as tokio's channels do it (Embassy's have no close). When every {@link Sender} made
 * has {@linkplain Sender#close() closed}, receivers take what is still queued and then get
 * {@code null} from {@link Receiver#recv()}: the end of the stream; {@code trySend} is refused.
 * When every {@link Receiver} made has closed, queued items are discarded (counted) and every send,
 * waiting or new, fails at once (counted; {@link Sender#isClosed()} says so). Closing wakes every
 * task waiting on the channel, so none waits on a closed channel; a task that still does (a
 * hand-written future) is reported by the diagnostics.
 *
 * <p>A waiting send or receive {@linkplain Registration enlists} with its task, so a dropped one
 * leaves the wait list even when no wrapper forwarded its {@code cancel()}.
 *
 * <p>Each {@link Sender} and {@link Receiver} owns one reusable future, so sending and receiving
 * allocate nothing. Loop thread only.
 */
public final class Channel<T> implements WakeSource, Closable {
    private final String name;
    // Made once: a trace names the wake source on every wake, and what a waiting task waits on (and
    // who holds its waker) at every pend.
    private final String sourceName;
    private final String holderName;
    private final String itemLabel;
    private final String capacityLabel;
    private OverflowPolicy policy;
    private final Object[] items;
    private int head;
    private int size;
    private int reservedSlots; // free slots promised to woken senders
    private int reservedItems; // items promised to woken receivers
    private final WaitList<SendFuture> sendWaiters = new WaitList<>();
    private final WaitList<RecvFuture> recvWaiters = new WaitList<>();
    private final ChannelStats stats = new ChannelStats();
    private int sendersMade;
    private int sendersOpen;
    private int receiversMade;
    private int receiversOpen;
    private final Object capacityWait = new Object() {
        @Override public String toString() { return receiversClosed() ? capacityLabel + " (closed: no receiver left)" : capacityLabel; }
    };
    private final Object itemWait = new Object() {
        @Override public String toString() {
            return sendersClosed() && size - reservedItems <= 0 ? itemLabel + " (closed: no sender left)" : itemLabel;
        }
    };

    private Channel(String name, int capacity, OverflowPolicy policy) {
        if (capacity <= 0) throw new IllegalArgumentException("channel '" + name + "': capacity must be > 0, got " + capacity);
        this.name = Objects.requireNonNull(name, "name");
        // Interned: a fleet's devices each have an 'uplink' channel, and one instance of each label (its
        // bytes kept hot by every device's records) is what the trace's string cache finds by identity.
        this.sourceName = ("chan:" + name).intern();
        this.holderName = ("channel '" + name + "'").intern();
        this.itemLabel = ("an item in " + holderName).intern();
        this.capacityLabel = ("capacity of " + holderName).intern();
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

    /** A new producer's handle; the channel's senders are closed once every one made has closed. */
    public Sender<T> sender() {
        if (sendersClosed()) throw new IllegalStateException("channel '" + name + "': every sender has closed");
        sendersMade++;
        sendersOpen++;
        return new Sender<>(this);
    }

    /** A new consumer's handle; the channel's receivers are closed once every one made has closed. */
    public Receiver<T> receiver() {
        if (receiversClosed()) throw new IllegalStateException("channel '" + name + "': every receiver has closed");
        receiversMade++;
        receiversOpen++;
        return new Receiver<>(this);
    }

    /** True once every sender made has closed: receivers drain what is left, then get the end. */
    public boolean sendersClosed() {
        return sendersMade > 0 && sendersOpen == 0;
    }

    /** True once every receiver made has closed: every send fails. */
    public boolean receiversClosed() {
        return receiversMade > 0 && receiversOpen == 0;
    }

    /** Closed in either direction. */
    @Override
    public boolean isClosed() {
        return sendersClosed() || receiversClosed();
    }

    /** A channel closes only when its last sender or receiver closes, and each close is counted. */
    @Override
    public boolean closingIsCounted() {
        return true;
    }

    /**
     * Queues {@code item} if there is unreserved space; otherwise returns false (counted), as it
     * does once the senders or the receivers have closed.
     */
    public boolean trySend(T item) {
        Objects.requireNonNull(item, "item");
        if (isClosed()) {
            stats.refusedClosed++;
            return false;
        }
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

    private void closeSenders() {
        // Every waiting receiver looks again: it takes an item left in the queue, or gets the end.
        RecvFuture receiver;
        while ((receiver = recvWaiters.pollFirst()) != null) receiver.waker.wake(this);
    }

    private void closeReceivers() {
        int discarded = 0;
        while (size > 0) {
            items[head] = null;
            head = index(1);
            size--;
            discarded++;
        }
        head = 0;
        stats.discardedClosed += discarded;
        // Every waiting sender looks again and fails.
        SendFuture sender;
        while ((sender = sendWaiters.pollFirst()) != null) sender.waker.wake(this);
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
        return "channel '" + name + "' " + size + "/" + items.length
                + (receiversClosed() ? " (closed: no receiver left)" : sendersClosed() ? " (closed: no sender left)" : "");
    }

    /** One producer's handle; its {@link #send} future is reused for every item. */
    public static final class Sender<T> {
        private final Channel<T> channel;
        private final Channel<T>.SendFuture future;
        private boolean closed;

        private Sender(Channel<T> channel) {
            this.channel = channel;
            this.future = channel.new SendFuture();
        }

        /**
         * This producer is gone (Rust drops its sender): a send in progress is withdrawn, and when it
         * was the last open sender the receivers drain the queue and then get the end. Idempotent.
         */
        public void close() {
            if (closed) return;
            closed = true;
            future.cancel();
            channel.sendersOpen--;
            Closable.countClose();
            if (channel.sendersClosed()) channel.closeSenders();
        }

        /** True when sends fail: this sender closed, or every receiver has. */
        public boolean isClosed() {
            return closed || channel.receiversClosed();
        }

        /** Whether the last completed send was refused because the channel had closed (the item was not queued). */
        public boolean lastSendFailed() {
            return future.failed;
        }

        /** A future that queues {@code item} per the channel's overflow policy. One send at a time per sender. */
        public Future<Void> send(T item) {
            Objects.requireNonNull(item, "item");
            if (future.item != null) throw new IllegalStateException("sender already has a send in progress");
            if (closed) throw new IllegalStateException("send on a closed sender of channel '" + channel.name + "'");
            future.item = item;
            future.failed = false;
            return future;
        }
    }

    /** One consumer's handle; its {@link #recv} future is reused for every item. */
    public static final class Receiver<T> {
        private final Channel<T> channel;
        private final Channel<T>.RecvFuture future;
        private boolean closed;

        private Receiver(Channel<T> channel) {
            this.channel = channel;
            this.future = channel.new RecvFuture();
        }

        /**
         * A future for the next item; its output is {@code null} once every sender has closed and
         * the queue is drained (the end of the stream). One receive at a time per receiver.
         */
        public Future<T> recv() {
            if (closed) throw new IllegalStateException("receive on a closed receiver of channel '" + channel.name + "'");
            future.item = null;
            return future;
        }

        /** True once every sender has closed and nothing is left to take. */
        public boolean isEnded() {
            return channel.sendersClosed() && channel.size - channel.reservedItems <= 0;
        }

        /**
         * This consumer is gone (Rust drops its receiver): a receive in progress is withdrawn, and
         * when it was the last open receiver queued items are discarded (counted) and sends fail. Idempotent.
         */
        public void close() {
            if (closed) return;
            closed = true;
            future.cancel();
            channel.receiversOpen--;
            Closable.countClose();
            if (channel.receiversClosed()) channel.closeReceivers();
        }
    }

    final class SendFuture extends WaitList.Node<SendFuture> implements Future<Void>, WaitNode, Closable {
        final WakerSlot waker = new WakerSlot();
        final Registration registration = new Registration(Channel.this) {
            @Override protected void withdraw() { cancel(); }
        };
        Object item;
        boolean granted;
        boolean failed;

        @Override
        public Poll poll(Context cx) {
            if (item == null) return Poll.READY; // already sent
            if (receiversClosed()) return refused(cx);
            if (granted) {
                granted = false;
                reservedSlots--;
                return sent();
            }
            if (!isLinked() && size + reservedSlots < items.length) return sent();
            if (policy != OverflowPolicy.BLOCK && isLinked()) {
                // Blocked under BLOCK, and the policy changed since: this send now completes by the
                // new policy, so it must leave the wait list, or the next free slot would be
                // promised to a send that is already over.
                sendWaiters.remove(this);
                registration.delist();
                waker.clear(); // polled without a hand-off, so the waker is still registered here
                if (size + reservedSlots < items.length) return sent();
            }
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
                    break; // all space is reserved for woken senders: wait for the next free slot
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
            registration.enlist(cx);
            cx.waitingOn(this);
            return Poll.PENDING;
        }

        private Poll sent() {
            Object value = item;
            item = null;
            registration.delist();
            push(value);
            return Poll.READY;
        }

        private Poll refused(Context cx) {
            if (isLinked()) sendWaiters.remove(this);
            if (granted) {
                granted = false;
                reservedSlots--;
            }
            item = null;
            failed = true;
            stats.refusedClosed++;
            registration.delist();
            waker.clear();
            cx.note("chan.closed", Channel.this);
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
            return waker.isRegistered() ? holderName : null;
        }

        @Override
        public String toString() {
            return capacityWait.toString();
        }

        @Override
        public boolean isClosed() {
            return receiversClosed();
        }

        @Override
        public boolean closingIsCounted() {
            return true;
        }

        @Override
        public void cancel() {
            registration.delist();
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

    final class RecvFuture extends WaitList.Node<RecvFuture> implements Future<T>, WaitNode, Closable {
        final WakerSlot waker = new WakerSlot();
        final Registration registration = new Registration(Channel.this) {
            @Override protected void withdraw() { cancel(); }
        };
        T item;
        boolean granted;

        @Override
        public Poll poll(Context cx) {
            if (granted) {
                granted = false;
                reservedItems--;
                registration.delist();
                item = pop();
                return Poll.READY;
            }
            if (!isLinked() && size - reservedItems > 0) {
                registration.delist();
                item = pop();
                return Poll.READY;
            }
            if (sendersClosed()) { // drained, and nothing more can come: the end of the stream
                if (isLinked()) recvWaiters.remove(this);
                registration.delist();
                waker.clear();
                item = null;
                return Poll.READY;
            }
            if (!isLinked()) {
                recvWaiters.addLast(this);
                cx.note("chan.empty", Channel.this);
            }
            waker.register(cx);
            registration.enlist(cx);
            cx.waitingOn(this);
            return Poll.PENDING;
        }

        /** The item received, or null at the end of the stream. */
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
            return waker.isRegistered() ? holderName : null;
        }

        @Override
        public String toString() {
            return itemWait.toString();
        }

        @Override
        public boolean isClosed() {
            return sendersClosed() && size - reservedItems <= 0;
        }

        /** Once every sender has closed, a receive ends when another receiver drains the queue, which counts no close. */
        @Override
        public boolean closingIsCounted() {
            return !sendersClosed();
        }

        @Override
        public void cancel() {
            registration.delist();
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
