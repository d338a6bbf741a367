package dev.storyloop.device.exec;

/** Why {@link LoopRunner#run} returned. */
public enum RunResult {
    /** The condition became true. */
    DONE,
    /** The time limit passed. */
    TIME_LIMIT,
    /** Virtual time: nothing runnable and no timer armed; time cannot move and nothing will ever run again. */
    STALLED,
    /** {@link LoopRunner#stop()} was called. */
    STOPPED
}
