package dev.storyloop.device.sim;

import java.util.Objects;

/**
 * How one direction of a client's TCP connection behaves.
 *
 * <p>MQTT runs over TCP, so a link never silently loses a packet: a lost segment is retransmitted
 * after a retransmission timeout, which delays it and everything behind it (head-of-line
 * blocking). Packets are lost only when the connection itself closes with them still on the way,
 * or when a sender writes past the bounded send buffer (the sender sees that as backpressure).
 *
 * @param latency         one-way propagation delay
 * @param jitterNanos     extra delay, uniform in [0, jitter]; packets still arrive in order
 * @param lossProbability chance that a transmission is lost and must be retransmitted (each retry independently)
 * @param retransmitTimeoutNanos the first retransmission timeout; it doubles with every retry of the same packet
 * @param bytesPerSecond  bandwidth; 0 for unlimited
 * @param sendBufferBytes bytes that may be written and not yet delivered; a write beyond it is refused
 */
public record LinkProfile(Distribution latency, long jitterNanos, double lossProbability, long retransmitTimeoutNanos,
                          long bytesPerSecond, int sendBufferBytes) {
    public static final int MAX_RETRANSMITS = 8;

    public LinkProfile {
        Objects.requireNonNull(latency, "latency");
        if (jitterNanos < 0) throw new IllegalArgumentException("jitter < 0");
        if (lossProbability < 0 || lossProbability >= 1) throw new IllegalArgumentException("loss must be in [0, 1), got " + lossProbability);
        if (retransmitTimeoutNanos <= 0) throw new IllegalArgumentException("retransmit timeout must be > 0");
        if (bytesPerSecond < 0) throw new IllegalArgumentException("bandwidth < 0");
        if (sendBufferBytes <= 0) throw new IllegalArgumentException("send buffer must be > 0 bytes");
    }

    /** A loopback-like link: 100 us, no jitter, no loss, unlimited bandwidth, a 64 KiB buffer. */
    public static LinkProfile lan() {
        return new LinkProfile(Distribution.constant(100_000L), 0, 0, 200_000_000L, 0, 64 * 1024);
    }

    public LinkProfile withLatency(Distribution next) {
        return new LinkProfile(next, jitterNanos, lossProbability, retransmitTimeoutNanos, bytesPerSecond, sendBufferBytes);
    }

    public LinkProfile withJitter(long nanos) {
        return new LinkProfile(latency, nanos, lossProbability, retransmitTimeoutNanos, bytesPerSecond, sendBufferBytes);
    }

    public LinkProfile withLoss(double probability) {
        return new LinkProfile(latency, jitterNanos, probability, retransmitTimeoutNanos, bytesPerSecond, sendBufferBytes);
    }

    public LinkProfile withBandwidth(long bytesPerSecondNext, int sendBufferBytesNext) {
        return new LinkProfile(latency, jitterNanos, lossProbability, retransmitTimeoutNanos, bytesPerSecondNext, sendBufferBytesNext);
    }
}
