package dev.storyloop.device.exec;

/**
 * What a real-time {@link LoopRunner} does when none of its executors has anything to run (a
 * virtual-time loop jumps to the next deadline instead).
 */
public enum IdleStrategy {
    /** Sleep until the next timer or an interrupt's wake; uses no CPU while idle. The default. */
    PARK,
    /**
     * Spin for a short window after the last work (see {@code LoopRunner}'s {@code spinNanos}), then park:
     * a reply that comes within the window (a PUBACK from a nearby broker) is picked up without a
     * thread wake-up, for a few hundred microseconds of CPU per burst of work.
     */
    BACKOFF,
    /** {@link Thread#yield()} and look again: low wake latency, one core kept busy. */
    YIELD,
    /** Spin: the lowest wake latency, one core at 100 %. For benchmarks only. */
    SPIN
}
