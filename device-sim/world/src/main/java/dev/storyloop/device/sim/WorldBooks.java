package dev.storyloop.device.sim;

import java.util.Collection;

/**
 * The simulated world's books: what the links of closed connections carried and lost, folded in
 * when each connection is retired (a closed link is counted, then forgotten), and the check that
 * every PUBLISH a client sent is accounted for.
 */
final class WorldBooks {
    private long lostOnClosedLinks;
    private long uplinkPublishesOffered;
    private long uplinkPublishesDelivered;
    private long uplinkPublishesLost;

    /** Counts a retired connection's links, whose books must balance. */
    void fold(Link up, Link down) {
        up.checkBalance();
        down.checkBalance();
        lostOnClosedLinks += up.lostOnClose() + down.lostOnClose();
        uplinkPublishesOffered += up.publishesOffered();
        uplinkPublishesDelivered += up.publishesDelivered();
        uplinkPublishesLost += up.publishesLost();
    }

    /** Packets lost because their connection closed under them, over all links so far (open links have lost none). */
    long packetsLostOnClose() {
        return lostOnClosedLinks;
    }

    /** PUBLISH packets clients sent, those that arrived, those lost because their connection closed, and those on the way now. */
    long[] clientPublishes(Collection<SimNetwork.Connection> open) {
        long offered = uplinkPublishesOffered;
        long delivered = uplinkPublishesDelivered;
        long lost = uplinkPublishesLost;
        for (SimNetwork.Connection connection : open) {
            offered += connection.up.publishesOffered();
            delivered += connection.up.publishesDelivered();
            lost += connection.up.publishesLost();
        }
        return new long[] {offered, delivered, lost, offered - delivered - lost};
    }

    /**
     * Every book balances: each link's packets, the broker's copies, and the clients' messages:
     * every PUBLISH a client sent reached the broker, was lost with its connection, or is on the way.
     */
    void check(Collection<SimNetwork.Connection> open, SimBroker broker) {
        broker.checkBalance();
        long inFlight = 0;
        for (SimNetwork.Connection connection : open) {
            connection.up.checkBalance();
            connection.down.checkBalance();
            inFlight += connection.up.publishesOffered() - connection.up.publishesDelivered() - connection.up.publishesLost();
        }
        long[] books = clientPublishes(open);
        long offered = books[0];
        long delivered = books[1];
        long lost = books[2];
        if (offered != delivered + lost + inFlight) {
            throw new IllegalStateException("client publishes do not balance: sent " + offered + " != arrived " + delivered
                    + " + lost " + lost + " + in flight " + inFlight);
        }
        if (delivered != broker.stats().clientPublishes()) {
            throw new IllegalStateException("the broker counted " + broker.stats().clientPublishes()
                    + " publishes from clients, the uplinks delivered " + delivered);
        }
    }
}
