package dev.storyloop.stories.proxy;

/**
 * What the fault proxy did, summed over the routes asked for: a snapshot taken on the proxy's
 * event loop, so its numbers are consistent with each other.
 *
 * <p>Books: {@code packets read = forwarded + lostOnClose + held} for every direction at all times.
 *
 * @param connections       connections accepted from clients
 * @param brokerRefused     accepted connections closed because the broker could not be reached (down, restarting)
 * @param packetsRead       MQTT packets read from either side
 * @param packetsForwarded  packets written to the other side
 * @param bytesForwarded    their bytes
 * @param retransmits       simulated retransmissions (each added a retransmission timeout of delay)
 * @param heldByPartition   packets that had to wait for a partition to end
 * @param pausesAtBound     times a direction reached its hold bound and stopped reading from its sender
 * @param peakHeldBytes     the most bytes one direction held at once
 * @param lostOnClose       packets still held when the side they were going to closed (dropped, as a closed TCP connection drops them)
 * @param held              packets held now
 * @param unframed          directions whose bytes were not MQTT and were passed on as they came
 */
public record ProxyCounters(long connections, long brokerRefused, long packetsRead, long packetsForwarded, long bytesForwarded,
                            long retransmits, long heldByPartition, long pausesAtBound, long peakHeldBytes, long lostOnClose, long held,
                            long unframed) {
    public static final ProxyCounters ZERO = new ProxyCounters(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);

    ProxyCounters plus(ProxyCounters o) {
        return new ProxyCounters(connections + o.connections, brokerRefused + o.brokerRefused, packetsRead + o.packetsRead,
                packetsForwarded + o.packetsForwarded, bytesForwarded + o.bytesForwarded, retransmits + o.retransmits,
                heldByPartition + o.heldByPartition, pausesAtBound + o.pausesAtBound, Math.max(peakHeldBytes, o.peakHeldBytes),
                lostOnClose + o.lostOnClose, held + o.held, unframed + o.unframed);
    }

    /** Throws unless every packet read is forwarded, lost on close or still held. */
    public void checkBalance() {
        if (packetsRead != packetsForwarded + lostOnClose + held) {
            throw new IllegalStateException("proxy books do not balance: read " + packetsRead + " != forwarded " + packetsForwarded
                    + " + lost on close " + lostOnClose + " + held " + held);
        }
    }
}
