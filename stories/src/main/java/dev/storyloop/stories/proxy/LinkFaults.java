package dev.storyloop.stories.proxy;

/**
 * How the fault proxy treats one direction of a device's connection: the live counterpart of the
 * simulated world's {@code LinkProfile}, with the same meaning for every field.
 *
 * <p>TCP never loses a byte it has accepted, so {@code loss} is realised as the simulated links
 * realise it: each MQTT packet is "retransmitted" with probability {@code loss}, every retry adding
 * the retransmission timeout (doubling, at most {@link #MAX_RETRANSMITS} times) to its delay, and
 * everything behind it waits (head-of-line blocking).
 *
 * @param latencyNanos           one-way delay added to every packet
 * @param jitterNanos            extra delay, uniform in [0, jitter] from the proxy's seeded PRNG; order is kept
 * @param loss                   chance that a packet's transmission is lost and retried, each retry independently
 * @param retransmitTimeoutNanos the first retransmission timeout
 * @param bytesPerSecond         bandwidth (serialisation delay); 0 for unlimited
 * @param holdBytesMax           bytes the direction holds (read, not yet delivered) before it stops reading
 *                               from its sender, which then sees a stalled TCP path (backpressure)
 */
public record LinkFaults(long latencyNanos, long jitterNanos, double loss, long retransmitTimeoutNanos, long bytesPerSecond, int holdBytesMax) {
    /** The simulated links' cap on retries of one packet. */
    public static final int MAX_RETRANSMITS = 8;
    /** The simulated links' first retransmission timeout (LinkProfile.lan()). */
    public static final long RETRANSMIT_TIMEOUT_NANOS = 200_000_000L;

    public LinkFaults {
        if (latencyNanos < 0) throw new IllegalArgumentException("latency < 0");
        if (jitterNanos < 0) throw new IllegalArgumentException("jitter < 0");
        if (loss < 0 || loss >= 1) throw new IllegalArgumentException("loss must be in [0, 1), got " + loss);
        if (retransmitTimeoutNanos <= 0) throw new IllegalArgumentException("retransmit timeout must be > 0");
        if (bytesPerSecond < 0) throw new IllegalArgumentException("bandwidth < 0");
        if (holdBytesMax <= 0) throw new IllegalArgumentException("hold bound must be > 0 bytes");
    }

    /** No delay, no loss, unlimited bandwidth; holds up to {@code holdBytesMax}. */
    public static LinkFaults none(int holdBytesMax) {
        return new LinkFaults(0, 0, 0, RETRANSMIT_TIMEOUT_NANOS, 0, holdBytesMax);
    }

    /** What is left after the network heals: the latency; no jitter, loss or bandwidth limit. */
    public LinkFaults healed() {
        return new LinkFaults(latencyNanos, 0, 0, retransmitTimeoutNanos, 0, holdBytesMax);
    }

    public LinkFaults withHoldBytesMax(int bytes) {
        return new LinkFaults(latencyNanos, jitterNanos, loss, retransmitTimeoutNanos, bytesPerSecond, bytes);
    }
}
