package dev.storyloop.device.sim;

import dev.storyloop.device.time.Timer;
import dev.storyloop.device.time.TimerQueue;

import java.util.ArrayDeque;
import java.util.SplittableRandom;

/**
 * One direction of one simulated TCP connection: in order, delayed, bounded, and breakable.
 *
 * <p>{@link #offer} computes when a packet arrives (serialisation at the link's bandwidth,
 * latency, jitter, retransmissions after losses, never before the packet ahead of it, never during
 * a partition) and schedules its delivery on the world's timer queue. The books balance at all
 * times: {@code offered == delivered + lost + inFlight}.
 */
public final class Link {
    /** What to do with a packet when it arrives. */
    @FunctionalInterface
    public interface Receiver {
        void receive(long nowNanos);
    }

    private final String name;
    private LinkProfile profile;
    private final SplittableRandom random;
    private final TimerQueue events;
    private final ArrayDeque<Packet> inFlight = new ArrayDeque<>();
    private int bytesInFlight;
    private long lastArrivalNanos;
    private long serialisedUntilNanos;
    private long partitionedUntilNanos;
    private boolean open = true;
    private long offered;
    private long delivered;
    private long lostOnClose;
    private long refusedBufferFull;
    private long retransmits;
    private long publishesOffered;
    private long publishesDelivered;
    private long publishesLost;
    private Runnable onDrain;

    private final class Packet extends Timer {
        final int bytes;
        final boolean publish;
        final Receiver receiver;

        Packet(int bytes, boolean publish, Receiver receiver) {
            this.bytes = bytes;
            this.publish = publish;
            this.receiver = receiver;
        }

        @Override
        protected void onFire(long nowNanos) {
            Packet head = inFlight.pollFirst();
            assert head == this : "link delivered out of order";
            bytesInFlight -= bytes;
            delivered++;
            if (publish) publishesDelivered++;
            receiver.receive(nowNanos);
            if (onDrain != null) onDrain.run();
        }
    }

    /** From now on packets go by {@code next} (those already on the way keep their arrival times). */
    void reprofile(LinkProfile next) {
        profile = next;
    }

    Link(String name, LinkProfile profile, SplittableRandom random, TimerQueue events) {
        this.name = name;
        this.profile = profile;
        this.random = random;
        this.events = events;
    }

    /**
     * Sends {@code bytes}; returns false, sending nothing, when the link is closed or its send
     * buffer has no room (the caller's backpressure).
     */
    public boolean offer(long now, int bytes, Receiver receiver) {
        return offer(now, bytes, false, receiver);
    }

    /** Like {@link #offer(long, int, Receiver)}; {@code publish} marks PUBLISH packets for the world's message books. */
    public boolean offer(long now, int bytes, boolean publish, Receiver receiver) {
        if (!open) return false;
        if (bytesInFlight + bytes > profile.sendBufferBytes()) {
            refusedBufferFull++;
            return false;
        }
        offered++;
        if (publish) publishesOffered++;
        long start = Math.max(now, serialisedUntilNanos);
        long serialisation = profile.bytesPerSecond() == 0 ? 0 : bytes * 1_000_000_000L / profile.bytesPerSecond();
        serialisedUntilNanos = start + serialisation;
        long arrival = serialisedUntilNanos + profile.latency().sampleNanos(random);
        if (profile.jitterNanos() > 0) arrival += random.nextLong(profile.jitterNanos() + 1);
        long timeout = profile.retransmitTimeoutNanos();
        for (int attempt = 0; attempt < LinkProfile.MAX_RETRANSMITS && profile.lossProbability() > 0
                && random.nextDouble() < profile.lossProbability(); attempt++) {
            arrival += timeout;
            timeout *= 2;
            retransmits++;
        }
        if (arrival < partitionedUntilNanos) arrival = partitionedUntilNanos + profile.latency().sampleNanos(random);
        arrival = Math.max(arrival, lastArrivalNanos); // TCP delivers in order
        lastArrivalNanos = arrival;
        Packet packet = new Packet(bytes, publish, receiver);
        inFlight.addLast(packet);
        bytesInFlight += bytes;
        events.arm(packet, arrival);
        return true;
    }

    /** Nothing gets through until {@code untilNanos}; what is sent meanwhile waits (TCP keeps retrying). */
    public void partitionUntil(long untilNanos) {
        partitionedUntilNanos = Math.max(partitionedUntilNanos, untilNanos);
        long arrival = partitionedUntilNanos;
        for (Packet packet : inFlight) {
            if (packet.deadlineNanos() < arrival) events.arm(packet, arrival);
            arrival = Math.max(arrival, packet.deadlineNanos());
        }
        lastArrivalNanos = Math.max(lastArrivalNanos, arrival);
    }

    /** Called whenever a packet has left the send buffer: room for a writer that was refused. */
    public void onDrain(Runnable listener) {
        this.onDrain = listener;
    }

    public boolean isPartitioned(long now) {
        return now < partitionedUntilNanos;
    }

    /** The connection is gone: packets still on the way are lost (counted). */
    public void close() {
        if (!open) return;
        open = false;
        for (Packet packet : inFlight) {
            events.cancel(packet);
            lostOnClose++;
            if (packet.publish) publishesLost++;
        }
        inFlight.clear();
        bytesInFlight = 0;
    }

    public boolean isOpen() { return open; }
    public String name() { return name; }
    public long offered() { return offered; }
    public long delivered() { return delivered; }
    public long lostOnClose() { return lostOnClose; }
    public long refusedBufferFull() { return refusedBufferFull; }
    public long retransmits() { return retransmits; }
    public long publishesOffered() { return publishesOffered; }
    public long publishesDelivered() { return publishesDelivered; }
    public long publishesLost() { return publishesLost; }
    public int inFlight() { return inFlight.size(); }
    public int bytesInFlight() { return bytesInFlight; }
    public int freeBufferBytes() { return profile.sendBufferBytes() - bytesInFlight; }

    /** Throws unless {@code offered == delivered + lost + inFlight}. */
    public void checkBalance() {
        if (offered != delivered + lostOnClose + inFlight.size()) {
            throw new IllegalStateException("link " + name + " does not balance: offered " + offered + " != delivered "
                    + delivered + " + lost " + lostOnClose + " + in flight " + inFlight.size());
        }
    }
}
