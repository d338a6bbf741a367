package dev.storyloop.device.sim;

import java.util.EnumMap;
import java.util.Map;

/**
 * What the simulated broker counted. The books always balance:
 * {@code routed == delivered + dropped + inflight + queued}, checked by {@link SimBroker#checkBalance()}.
 */
public final class BrokerStats {
    long publishedIn;
    long wills;
    long clientPublishes;
    long publishesWithoutConnection;
    long unrouted;
    long routed;
    long delivered;
    long retainedSent;
    long malformedPackets;
    long keepaliveCloses;
    long willSilenceNanosMax;
    long willSilenceNanosMin = Long.MAX_VALUE;
    final EnumMap<DropReason, Long> dropped = new EnumMap<>(DropReason.class);

    /** Messages routed: PUBLISH packets from clients and wills. */
    public long publishedIn() { return publishedIn; }
    /** Wills the broker published for clients that went away. */
    public long wills() { return wills; }
    /** PUBLISH packets that arrived from clients, routed or not. */
    public long clientPublishes() { return clientPublishes; }
    /** PUBLISH packets that arrived for a client the broker holds no connection for (not routed). */
    public long publishesWithoutConnection() { return publishesWithoutConnection; }
    /** Publishes no subscription matched. */
    public long unrouted() { return unrouted; }
    /** Copies addressed to matching subscriptions (retained copies on subscribe included). */
    public long routed() { return routed; }
    /** QoS 0 copies written to a connected client, and QoS 1 copies the client acknowledged. */
    public long delivered() { return delivered; }
    public long retainedSent() { return retainedSent; }
    /** SUBSCRIBE and PUBLISH packets the broker could not accept (invalid filter or topic, QoS above 2): each closed its connection. */
    public long malformedPackets() { return malformedPackets; }
    /** Connections closed because their keepalive lapsed. */
    public long keepaliveCloses() { return keepaliveCloses; }
    /** The longest time from a client's last packet to the will the broker published for it; 0 when no will was published. */
    public long willSilenceNanosMax() { return willSilenceNanosMax; }
    /** The shortest such time; 0 when no will was published. */
    public long willSilenceNanosMin() { return wills == 0 ? 0 : willSilenceNanosMin; }
    public long dropped(DropReason reason) { return dropped.getOrDefault(reason, 0L); }

    public long droppedTotal() {
        long total = 0;
        for (long count : dropped.values()) total += count;
        return total;
    }

    public Map<DropReason, Long> droppedByReason() {
        return new EnumMap<>(dropped);
    }

    void drop(DropReason reason, long count) {
        if (count > 0) dropped.merge(reason, count, Long::sum);
    }
}
