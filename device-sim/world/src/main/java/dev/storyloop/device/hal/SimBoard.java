package dev.storyloop.device.hal;

import dev.storyloop.protocol.Authenticator;
import dev.storyloop.protocol.JcaAuthenticator;
import dev.storyloop.device.exec.Context;
import dev.storyloop.device.time.Timer;
import dev.storyloop.device.time.VirtualClock;

import java.util.Objects;

/**
 * The board of a device in the simulated world: blocking spends virtual time, offloaded work
 * finishes on a timer of the device's own executor, and the GPIO is {@link SimulatedGpio}.
 *
 * <p>In a {@code SimWorld} the time a blocking call spends is the device's own CPU time: the world
 * steps each device at its local time ({@link VirtualClock#enterLocal}), so {@link #blockFor} delays
 * that device's next polls, timers and packets, and nothing else. Stepped alone, or with other
 * executors on one thread by a {@code LoopRunner}, it moves the one clock and everything waits.
 *
 * <p>One offloaded job at a time, like a single worker thread with a queue of one: a second
 * request while one runs is refused and counted.
 */
public final class SimBoard implements Board {
    private final VirtualClock clock;
    private final SimulatedGpio gpio = new SimulatedGpio();
    private Runnable pendingJob;
    private Runnable pendingDone;
    private long rejected;
    private final Timer worker = new Timer() {
        @Override
        protected void onFire(long nowNanos) {
            Runnable job = pendingJob;
            Runnable done = pendingDone;
            pendingJob = null;
            pendingDone = null;
            job.run();
            done.run();
        }
    };

    public SimBoard(VirtualClock clock) {
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    @Override
    public void blockFor(Context cx, long nanos) {
        clock.spend(nanos);
    }

    @Override
    public boolean offload(Context cx, long workNanos, Runnable job, Runnable done) {
        if (worker.isArmed()) {
            rejected++;
            return false;
        }
        pendingJob = job;
        pendingDone = done;
        cx.timers().arm(worker, cx.nowNanos() + workNanos);
        return true;
    }

    @Override
    public long offloadRejected() {
        return rejected;
    }

    @Override
    public SimulatedGpio gpio() {
        return gpio;
    }

    @Override
    public void close() {
        gpio.close();
    }

    @Override
    public Authenticator tokenAuthenticator(byte[] key) {
        return new JcaAuthenticator(key);
    }
}
