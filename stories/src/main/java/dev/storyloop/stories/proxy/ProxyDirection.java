package dev.storyloop.stories.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.util.concurrent.ScheduledFuture;

import java.util.ArrayDeque;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * One direction of one proxied connection: packets read from {@code source} wait here until the
 * time the simulated link would deliver them, then are written to {@code target}.
 *
 * <p>A packet's due time is computed as {@code Link.offer} computes its arrival: serialisation at
 * the bandwidth, latency, seeded jitter, a retransmission timeout (doubling) per simulated loss,
 * never while the direction is partitioned (then the partition's end plus the latency), never
 * before the packet ahead of it. One timer, for the head of the queue, drives delivery.
 *
 * <p>Bounded: once {@code holdBytesMax} bytes are held the direction stops reading from its sender
 * (auto-read off), so the sender's socket buffers fill and its writes stall, as over a stalled TCP
 * path; it reads again when the held bytes fall to half the bound. What is held past the bound is
 * at most one read (Netty reads at most 64 KiB at a time). A target that cannot take more
 * (not writable) is waited for the same way. Runs on the proxy's one event loop thread only.
 */
final class ProxyDirection {
    private static final class Held {
        final ByteBuf packet; // null: the sender closed its side here
        final long naturalDueNanos;
        long dueNanos;

        Held(ByteBuf packet, long naturalDueNanos, long dueNanos) {
            this.packet = packet;
            this.naturalDueNanos = naturalDueNanos;
            this.dueNanos = dueNanos;
        }
    }

    private final Channel source;
    private final Channel target;
    private final SplittableRandom random;
    private final LongSupplier clock;
    private final LongSupplier partitionedUntil;
    private final ArrayDeque<Held> queue = new ArrayDeque<>();
    private LinkFaults faults;
    private ScheduledFuture<?> timer;
    private long timerDueNanos;
    private long serialisedUntilNanos;
    private long lastDueNanos;
    private long lastNaturalDueNanos; // as lastDueNanos would be without partitions
    private int heldBytes;
    private boolean paused;
    private boolean closed;

    long packetsRead;
    long packetsForwarded;
    long bytesForwarded;
    long retransmits;
    long heldByPartition;
    long pausesAtBound;
    long peakHeldBytes;
    long lostOnClose;

    ProxyDirection(Channel source, Channel target, LinkFaults faults, SplittableRandom random, LongSupplier clock, LongSupplier partitionedUntil) {
        this.source = source;
        this.target = target;
        this.faults = faults;
        this.random = random;
        this.clock = clock;
        this.partitionedUntil = partitionedUntil;
    }

    /** Takes one packet read from the source (this direction now owns the buffer). */
    void offer(ByteBuf packet) {
        if (closed) {
            packet.release();
            return;
        }
        long now = clock.getAsLong();
        long start = Math.max(now, serialisedUntilNanos);
        int bytes = packet.readableBytes();
        long serialisation = faults.bytesPerSecond() == 0 ? 0 : bytes * 1_000_000_000L / faults.bytesPerSecond();
        serialisedUntilNanos = start + serialisation;
        long due = serialisedUntilNanos + faults.latencyNanos();
        if (faults.jitterNanos() > 0) due += random.nextLong(faults.jitterNanos() + 1);
        long timeout = faults.retransmitTimeoutNanos();
        for (int attempt = 0; attempt < LinkFaults.MAX_RETRANSMITS && faults.loss() > 0 && random.nextDouble() < faults.loss(); attempt++) {
            due += timeout;
            timeout *= 2;
            retransmits++;
        }
        packetsRead++;
        enqueue(packet, due);
        heldBytes += bytes;
        peakHeldBytes = Math.max(peakHeldBytes, heldBytes);
        if (!paused && heldBytes >= faults.holdBytesMax()) {
            paused = true;
            pausesAtBound++;
            source.config().setAutoRead(false);
        }
    }

    /** The source closed its side: the close travels behind the data already on the way. */
    void offerClose() {
        if (closed) return;
        enqueue(null, clock.getAsLong() + faults.latencyNanos());
    }

    private void enqueue(ByteBuf packet, long due) {
        long natural = Math.max(due, lastNaturalDueNanos);
        lastNaturalDueNanos = natural;
        long cut = partitionedUntil.getAsLong();
        if (due < cut) {
            due = saturatedAdd(cut, faults.latencyNanos());
            if (packet != null) heldByPartition++;
        }
        due = Math.max(due, lastDueNanos); // TCP delivers in order
        lastDueNanos = due;
        queue.addLast(new Held(packet, natural, due));
        arm();
    }

    /** A partition of this direction now lasts until {@code untilNanos}: nothing held is delivered before it. */
    void partitioned(long untilNanos) {
        long floor = untilNanos;
        for (Held held : queue) {
            if (held.dueNanos < floor) {
                if (held.packet != null) heldByPartition++;
                held.dueNanos = floor;
            }
            floor = held.dueNanos;
        }
        lastDueNanos = Math.max(lastDueNanos, floor);
        rearm();
    }

    /** The partition ended early: what it held goes when it would have gone without it, or now. */
    void healed() {
        long now = clock.getAsLong();
        long floor = 0;
        for (Held held : queue) {
            held.dueNanos = Math.max(Math.max(held.naturalDueNanos, now), floor);
            floor = held.dueNanos;
        }
        lastDueNanos = Math.max(lastNaturalDueNanos, floor);
        rearm();
    }

    /** From now on packets go by {@code next} (those already held keep their due times). */
    void reprofile(LinkFaults next) {
        faults = next;
    }

    /** The target can take more again (its channel became writable). */
    void targetWritable() {
        if (target.isWritable()) pump();
    }

    /** The target is gone: what is still held for it is dropped and counted. */
    void targetClosed() {
        if (closed) return;
        closed = true;
        for (Held held : queue) {
            if (held.packet != null) {
                lostOnClose++;
                held.packet.release();
            }
        }
        queue.clear();
        heldBytes = 0;
        if (timer != null) timer.cancel(false);
    }

    long held() {
        long packets = 0;
        for (Held held : queue) if (held.packet != null) packets++;
        return packets;
    }

    private void arm() {
        Held head = queue.peekFirst();
        if (head == null) return;
        if (timer != null && !timer.isDone() && timerDueNanos <= head.dueNanos) return;
        rearm();
    }

    private void rearm() {
        if (timer != null) timer.cancel(false);
        timer = null;
        Held head = queue.peekFirst();
        if (head == null || closed || head.dueNanos == Long.MAX_VALUE) return; // held until healed
        timerDueNanos = head.dueNanos;
        long delay = Math.max(0, head.dueNanos - clock.getAsLong());
        timer = target.eventLoop().schedule(this::pump, delay, TimeUnit.NANOSECONDS);
    }

    private void pump() {
        if (closed) return;
        long now = clock.getAsLong();
        boolean wrote = false;
        while (!queue.isEmpty() && queue.peekFirst().dueNanos <= now && target.isWritable()) {
            Held head = queue.pollFirst();
            if (head.packet == null) {
                if (wrote) target.flush();
                wrote = false;
                target.close();
                break;
            }
            int bytes = head.packet.readableBytes();
            heldBytes -= bytes;
            packetsForwarded++;
            bytesForwarded += bytes;
            target.write(head.packet, target.voidPromise());
            wrote = true;
        }
        if (wrote) target.flush();
        if (paused && heldBytes <= faults.holdBytesMax() / 2) {
            paused = false;
            source.config().setAutoRead(true);
        }
        if (target.isWritable()) rearm(); // else writabilityChanged calls targetWritable()
    }

    private static long saturatedAdd(long a, long b) {
        long sum = a + b;
        return ((a ^ sum) & (b ^ sum)) < 0 ? Long.MAX_VALUE : sum;
    }
}
