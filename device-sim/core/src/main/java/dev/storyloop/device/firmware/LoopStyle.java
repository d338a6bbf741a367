package dev.storyloop.device.firmware;

/**
 * How the firmware moves readings and commands: the default separate tasks, or one task that
 * selects between "a command arrived" and "send the next reading" (a story switch).
 */
public enum LoopStyle {
    /** An uplink task and a commands task (the default; correct). */
    TASKS,
    /**
     * One task: {@code select(receive command, take reading + sign + publish)}. When a command wins,
     * the losing branch is cancelled, and a reading it had already taken off the queue is lost
     * without a trace on the device: the bug of "Barbara gets burned by select".
     */
    SELECT_LOSES_READING,
    /** One task, steps reordered: the reading is taken and signed before the select, so a cancelled publish keeps it. */
    SELECT_KEEPS_READING
}
