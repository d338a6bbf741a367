package dev.storyloop.device.sim;

import dev.storyloop.device.time.Timer;
import dev.storyloop.device.time.TimerQueue;

import java.util.SplittableRandom;

/**
 * One direction of one simulated TCP connection: in order, delayed, bounded, and breakable.
 *
 * <p>{@link #offer} computes when a packet arrives (serialisation at the link's bandwidth,
 * latency, jitter, retransmissions after losses, never before the packet ahead of it, never during
 * a partition) and hands it to the link's {@link End} then. The packets on the way are kept
 * flattened (see {@link Packet}) in a ring, a row of numbers a packet beside its reference, and one timer on the world's
 * queue stands for the packet at the head: a packet costs no object, so a message allocates
 * nothing once the ring has grown to the link's traffic. Each packet keeps the arming sequence it
 * was given when offered, so packets of different links that arrive at the same instant are
 * delivered in the order they were sent, as with a timer per packet. The books balance at all
 * times: {@code offered == delivered + lost + inFlight}.
 */
public final class Link {
    /** Where a link's packets go when they arrive: the broker's side of an uplink, the client of a downlink. */
    public interface End {
        void receive(Packet.Type type, int arg, Object ref, long nowNanos);

        /**
         * The earliest time this end takes a packet: a device's client is busy while its CPU is (see
         * {@link SimWorld#add(dev.storyloop.device.exec.Executor, SimTransport)}); what arrives before
         * waits on the link, in order, as in a socket's receive buffer.
         */
        default long freeAtNanos() {
            return Long.MIN_VALUE;
        }
    }

    // Small: a fleet has two links per device, most of them with a packet or two on the way; a busy link grows its ring once.
    private static final int RING_CAPACITY_INITIAL = 2;

    private final String name;
    private LinkProfile profile;
    private final SplittableRandom random;
    private final TimerQueue events;
    private final End end;
    // The packets on the way, oldest first, as a ring: a packet's numbers in a row of PACKET longs (type and
    // size, argument, arrival, arming sequence), its reference beside in refs. Two arrays rather than one per
    // field: an offer and a delivery write and read one row. It holds at most one packet per byte of the send
    // buffer (every packet is at least 2 bytes), which bounds its growth.
    private static final int PACKET = 4, TYPE_AND_SIZE = 0, ARG = 1, ARRIVAL = 2, SEQUENCE = 3;
    private long[] ring = new long[RING_CAPACITY_INITIAL * PACKET];
    private Object[] refs = new Object[RING_CAPACITY_INITIAL];
    private int head;
    private int count;
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
    private final Timer headArrives = new Timer() {
        @Override
        protected void onFire(long nowNanos) {
            deliverHead(nowNanos);
        }
    };

    /** From now on packets go by {@code next} (those already on the way keep their arrival times). */
    void reprofile(LinkProfile next) {
        profile = next;
    }

    Link(String name, LinkProfile profile, SplittableRandom random, TimerQueue events, End end) {
        this.name = name;
        this.profile = profile;
        this.random = random;
        this.events = events;
        this.end = end;
    }

    /** Sends {@code packet}; see {@link #offer(long, Packet.Type, int, Object, int)}. */
    public boolean offer(long now, Packet packet) {
        return offer(now, packet.type(), packet.flatArg(), packet.flatRef(), packet.wireBytes());
    }

    /**
     * Sends a packet given flat ({@link Packet#flatArg()}, {@link Packet#flatRef()}) of {@code bytes}
     * on the wire; returns false, sending nothing, when the link is closed or its send buffer has no
     * room (the caller's backpressure).
     */
    public boolean offer(long now, Packet.Type type, int arg, Object ref, int bytes) {
        if (bytes <= 0) throw new IllegalArgumentException("a packet on a link has at least 1 byte, got " + bytes + " for " + type);
        if (!open) return false;
        if (bytesInFlight + bytes > profile.sendBufferBytes()) {
            refusedBufferFull++;
            return false;
        }
        offered++;
        boolean publish = type == Packet.Type.PUBLISH;
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
        if (count == refs.length) grow();
        int slot = slot(count);
        int row = slot * PACKET;
        ring[row + TYPE_AND_SIZE] = (long) type.ordinal() << 32 | bytes; // bytes > 0 (checked above)
        ring[row + ARG] = arg;
        ring[row + ARRIVAL] = arrival;
        ring[row + SEQUENCE] = events.takeSequence();
        refs[slot] = ref;
        count++;
        bytesInFlight += bytes;
        if (count == 1) armHead();
        return true;
    }

    private void deliverHead(long now) {
        assert count > 0 : "link " + name + " fired with nothing on the way";
        int slot = head;
        int row = slot * PACKET;
        assert ring[row + ARRIVAL] <= now : "link " + name + " delivered early";
        long free = end.freeAtNanos();
        if (free > now) {
            events.arm(headArrives, free, ring[row + SEQUENCE]); // the far end is busy: taken when it is free, still in order
            return;
        }
        long typeAndSize = ring[row + TYPE_AND_SIZE];
        Packet.Type type = Packet.TYPES[(int) (typeAndSize >>> 32)];
        int bytes = (int) typeAndSize;
        int arg = (int) ring[row + ARG];
        Object ref = refs[slot];
        refs[slot] = null; // the ring must not keep a delivered message alive
        head = slot(1);
        count--;
        bytesInFlight -= bytes;
        delivered++;
        if (type == Packet.Type.PUBLISH) publishesDelivered++;
        if (count > 0) armHead();
        end.receive(type, arg, ref, now);
        if (onDrain != null) onDrain.run();
    }

    private void armHead() {
        int row = head * PACKET;
        events.arm(headArrives, ring[row + ARRIVAL], ring[row + SEQUENCE]);
    }

    private int slot(int offset) {
        int i = head + offset;
        return i >= refs.length ? i - refs.length : i;
    }

    private void grow() {
        int capacity = refs.length * 2;
        long[] nextRing = new long[capacity * PACKET];
        Object[] nextRefs = new Object[capacity];
        for (int i = 0; i < count; i++) {
            int from = slot(i);
            System.arraycopy(ring, from * PACKET, nextRing, i * PACKET, PACKET);
            nextRefs[i] = refs[from];
        }
        ring = nextRing;
        refs = nextRefs;
        head = 0;
    }

    /** Nothing gets through until {@code untilNanos}; what is sent meanwhile waits (TCP keeps retrying). */
    public void partitionUntil(long untilNanos) {
        partitionedUntilNanos = Math.max(partitionedUntilNanos, untilNanos);
        long arrival = partitionedUntilNanos;
        for (int i = 0; i < count; i++) {
            int row = slot(i) * PACKET;
            if (ring[row + ARRIVAL] < arrival) {
                // Held back: it is re-armed now, so it ties behind what was armed before it.
                ring[row + ARRIVAL] = arrival;
                ring[row + SEQUENCE] = events.takeSequence();
            }
            arrival = Math.max(arrival, ring[row + ARRIVAL]);
        }
        lastArrivalNanos = Math.max(lastArrivalNanos, arrival);
        if (count > 0) armHead();
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
        events.cancel(headArrives);
        for (int i = 0; i < count; i++) {
            int slot = slot(i);
            lostOnClose++;
            if (ring[slot * PACKET + TYPE_AND_SIZE] >>> 32 == Packet.Type.PUBLISH.ordinal()) publishesLost++;
            refs[slot] = null;
        }
        count = 0;
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
    public int inFlight() { return count; }
    public int bytesInFlight() { return bytesInFlight; }
    public int freeBufferBytes() { return profile.sendBufferBytes() - bytesInFlight; }

    /** Throws unless {@code offered == delivered + lost + inFlight}. */
    public void checkBalance() {
        if (offered != delivered + lostOnClose + count) {
            throw new IllegalStateException("link " + name + " does not balance: offered " + offered + " != delivered "
                    + delivered + " + lost " + lostOnClose + " + in flight " + count);
        }
    }
}
