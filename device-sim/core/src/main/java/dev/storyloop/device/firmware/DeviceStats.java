package dev.storyloop.device.firmware;

/**
 * What a device did, counted on its loop thread: the books a test or story reads.
 *
 * <p>Every reading is accounted for: {@code sampled = delivered + dropped + buffered + unconfirmed
 * at reset} at any moment, where dropped counts each reason separately ({@link Device#checkBooks()} asserts it).
 * The counters are observations of the simulator, not device RAM: a reboot keeps them.
 */
public final class DeviceStats {
    long sampled;
    long buttonSamples;
    long published;          // frames handed to the transport for the first time
    long republished;        // frames sent again after the connection they were sent on was lost
    long delivered;          // QoS 1: acknowledged by the broker; QoS 0: written to the connection
    long droppedOnReset;     // frames never published, in RAM when a reboot or shutdown emptied it
    long unconfirmedAtReset; // frames published but not confirmed when a reset came, after the flush deadline
    long connects;
    long connectFailures;
    long connectionsLost;
    long commandsReceived;
    long commandsDuplicate;
    long commandsRejected;   // bad frames on the cmd topic, by any reason
    long acksSent;
    long acksLost;
    long creditsReceived;
    long inboundRejected;    // frames on cmd or flow that failed to decode or verify, or named another device
    long refreshes;
    long refreshesFromSourceOfTruth;
    long blinks;
    long reboots;
    long powerCuts;          // times the board lost power (a simulator fault): no flush, no "offline", no DISCONNECT
    long flowWaits;          // times the uplink waited for credit from the gateway
    long requests;           // commands answered by a request task (request signing on)
    long requestsBusy;       // commands answered BUSY: no request slot free
    long requestsAbandoned;  // request tasks stopped after the request timeout
    long requestsFromSourceOfTruth;
    int peakBuffered;

    public long sampled() { return sampled; }
    public long buttonSamples() { return buttonSamples; }
    public long published() { return published; }
    public long republished() { return republished; }
    public long delivered() { return delivered; }
    public long droppedOnReset() { return droppedOnReset; }
    public long unconfirmedAtReset() { return unconfirmedAtReset; }
    public long connects() { return connects; }
    public long connectFailures() { return connectFailures; }
    public long connectionsLost() { return connectionsLost; }
    public long commandsReceived() { return commandsReceived; }
    public long commandsDuplicate() { return commandsDuplicate; }
    public long commandsRejected() { return commandsRejected; }
    public long acksSent() { return acksSent; }
    public long acksLost() { return acksLost; }
    public long creditsReceived() { return creditsReceived; }
    public long inboundRejected() { return inboundRejected; }
    public long refreshes() { return refreshes; }
    public long refreshesFromSourceOfTruth() { return refreshesFromSourceOfTruth; }
    public long blinks() { return blinks; }
    public long reboots() { return reboots; }
    public long powerCuts() { return powerCuts; }
    public long flowWaits() { return flowWaits; }
    public long requests() { return requests; }
    public long requestsBusy() { return requestsBusy; }
    public long requestsAbandoned() { return requestsAbandoned; }
    public long requestsFromSourceOfTruth() { return requestsFromSourceOfTruth; }
    /** The most frames held at once in the queue and the publish window together. */
    public int peakBuffered() { return peakBuffered; }
}
