package dev.storyloop.device.live;

import dev.storyloop.device.exec.IdleStrategy;
import dev.storyloop.device.exec.LoopRunner;
import dev.storyloop.device.time.RealClock;

import java.util.Objects;

/**
 * One loop thread in real time that steps the executors of one or many live devices, as the
 * simulated world steps a fleet on one thread: each device stays single-threaded, the thread parks
 * until the earliest deadline of all of them, and a wake from another thread (a Paho callback) of
 * any of them unparks it.
 *
 * <p>Devices join through {@link LoopRunner#execute}: they boot on the loop thread itself, so their
 * executors are bound to it from the first spawn. All of them share the loop's {@link RealClock}.
 */
public final class DeviceLoop implements AutoCloseable {
    public static final long JOIN_WAIT_MILLIS = 5_000;

    private final RealClock clock = new RealClock();
    private final LoopRunner runner;
    private final Thread thread;
    private volatile Throwable failure;

    private DeviceLoop(String name, int deviceCapacity, IdleStrategy idle, long spinNanos) {
        this.runner = new LoopRunner(clock, idle, spinNanos, deviceCapacity);
        this.thread = new Thread(this::run, name);
    }

    /** Starts a loop thread named {@code name} for up to {@code deviceCapacity} devices, idling by {@code idle}. */
    public static DeviceLoop start(String name, int deviceCapacity, IdleStrategy idle, long spinNanos) {
        DeviceLoop loop = new DeviceLoop(Objects.requireNonNull(name, "name"), deviceCapacity, Objects.requireNonNull(idle, "idle"), spinNanos);
        loop.thread.start();
        return loop;
    }

    /** The idle strategy a device's own loop uses: BACKOFF with the given spin window, or PARK when it is 0. */
    public static IdleStrategy idleFor(long spinNanos) {
        return spinNanos > 0 ? IdleStrategy.BACKOFF : IdleStrategy.PARK;
    }

    private void run() {
        try {
            runner.runUntil(() -> false); // until stop(): devices come and go
        } catch (RuntimeException | Error e) {
            // The loop itself failed (a task's failure ends that task only): every device on it has stopped.
            failure = e;
        }
    }

    /** Stops the loop and waits for its thread; devices still on it stop where they are. Idempotent. */
    @Override
    public void close() {
        runner.stop();
        try {
            thread.join(JOIN_WAIT_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    public RealClock clock() { return clock; }
    public LoopRunner runner() { return runner; }
    public String name() { return thread.getName(); }
    public boolean isRunning() { return thread.isAlive(); }
    /** What ended the loop abnormally, or null. */
    public Throwable failure() { return failure; }
}
