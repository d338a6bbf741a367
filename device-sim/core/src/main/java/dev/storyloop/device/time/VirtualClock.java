package dev.storyloop.device.time;

/**
 * Simulated time: it stands still while there is work and jumps to the next deadline when there is none.
 *
 * <p>Owned by one thread (the simulation's). {@link #spend(long)} models CPU time a poll uses
 * (a blocking native call, say), so a "long poll" is as visible in simulation as it is live.
 *
 * <p>Whose CPU the time is spent on depends on who steps the loop. Alone, or under a
 * {@link dev.storyloop.device.exec.LoopRunner} stepping several executors on one thread, the clock
 * has one time and {@link #spend} moves it: every executor on the thread waits, as they would on
 * one real thread. A simulated world gives each device a CPU of its own: while it steps one
 * device's loop it puts the clock in that device's local time ({@link #enterLocal}), which starts at
 * the world's time or, when the device is still busy, at the end of its busy time; {@link #spend}
 * then moves only the local time, and {@link #exitLocal} returns it, the time the device's CPU is
 * busy until. The world's own time ({@link #worldNanos}) never moves inside a device's step.
 */
public final class VirtualClock implements Clock {
    private static final long NOT_LOCAL = -1;

    private long nowNanos;              // the world's time
    private long localNanos = NOT_LOCAL; // one device's own time while the world steps its loop; NOT_LOCAL otherwise

    public VirtualClock() {
        this(0);
    }

    public VirtualClock(long startNanos) {
        if (startNanos < 0) throw new IllegalArgumentException("startNanos < 0: " + startNanos);
        this.nowNanos = startNanos;
    }

    /** The loop's time: the stepped device's local time inside {@link #enterLocal}/{@link #exitLocal}, else the world's. */
    @Override
    public long nanos() {
        return localNanos == NOT_LOCAL ? nowNanos : localNanos;
    }

    /** The world's time, also while one device's loop runs at its own local time. */
    public long worldNanos() {
        return nowNanos;
    }

    @Override
    public boolean isVirtual() {
        return true;
    }

    /** Moves time forward to {@code deadlineNanos}; a deadline in the past leaves it where it is. */
    public void advanceTo(long deadlineNanos) {
        assert localNanos == NOT_LOCAL : "the world's time moves only between devices' steps";
        if (deadlineNanos > nowNanos) nowNanos = deadlineNanos;
    }

    /**
     * Time passes while the loop is busy, e.g. inside a synchronous native call: the stepped
     * device's local time when there is one (only that device waits), else the one time of the clock.
     */
    public void spend(long durationNanos) {
        if (durationNanos < 0) throw new IllegalArgumentException("durationNanos < 0: " + durationNanos);
        if (localNanos != NOT_LOCAL) localNanos += durationNanos;
        else nowNanos += durationNanos;
    }

    /**
     * A device's loop is about to be stepped on its own CPU, free from {@code busyUntilNanos}: until
     * {@link #exitLocal}, {@link #nanos} is that device's local time, the later of the world's time
     * and {@code busyUntilNanos}.
     */
    public void enterLocal(long busyUntilNanos) {
        assert localNanos == NOT_LOCAL : "a device's step inside another's";
        localNanos = Math.max(nowNanos, busyUntilNanos);
    }

    /** The device's step is over; returns its local time, which is when its CPU is free again. */
    public long exitLocal() {
        assert localNanos != NOT_LOCAL : "exitLocal without enterLocal";
        long busyUntil = localNanos;
        localNanos = NOT_LOCAL;
        assert busyUntil >= nowNanos : "a device's local time behind the world's";
        return busyUntil;
    }
}
