package dev.storyloop.device.chan;

/** What a channel counted: every item in, out, and dropped, by reason. */
public final class ChannelStats {
    long sent;
    long received;
    long droppedOldest;
    long droppedNewest;
    long trySendRejected;
    long sendWaits;
    long refusedClosed;
    long discardedClosed;
    int peakDepth;

    /** Items that entered the queue. */
    public long sent() { return sent; }
    public long received() { return received; }
    /** Queued items discarded to make room (DROP_OLDEST). */
    public long droppedOldest() { return droppedOldest; }
    /** Items discarded instead of queued (DROP_NEWEST). */
    public long droppedNewest() { return droppedNewest; }
    /** {@code trySend} calls that found the channel full. */
    public long trySendRejected() { return trySendRejected; }
    /** Times a sender had to wait for space (BLOCK): each is backpressure felt by a producer. */
    public long sendWaits() { return sendWaits; }
    public int peakDepth() { return peakDepth; }
    /** Sends and {@code trySend}s refused because every receiver had closed: the item never entered. */
    public long refusedClosed() { return refusedClosed; }
    /** Queued items thrown away when the last receiver closed. */
    public long discardedClosed() { return discardedClosed; }
    public long dropped() { return droppedOldest + droppedNewest; }
}
