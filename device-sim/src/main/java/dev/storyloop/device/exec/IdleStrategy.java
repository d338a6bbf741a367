package dev.storyloop.device.exec;

/** What a real-time loop does when nothing is runnable (a virtual-time loop jumps to the next deadline instead). */
public enum IdleStrategy {
    /** Sleep until the next timer or an interrupt's wake; uses no CPU while idle. The default. */
    PARK,
    /** {@link Thread#yield()} and look again: low wake latency, one core kept busy. */
    YIELD,
    /** Spin: the lowest wake latency, one core at 100 %. For benchmarks only. */
    SPIN
}
