package dev.storyloop.device.hal;

import dev.storyloop.protocol.Authenticator;
import dev.storyloop.device.exec.Context;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * The board of a device on real hardware (a Raspberry Pi or a laptop): blocking really blocks the
 * loop thread, offloaded work runs on one worker thread with a bounded queue, and the GPIO is
 * libgpiod when the chip can be opened, simulated otherwise.
 */
public final class LiveBoard implements Board {
    public static final int WORKER_QUEUE_CAPACITY = 4;
    private static final System.Logger LOG = System.getLogger(LiveBoard.class.getName());

    private final Gpio gpio;
    private final BlockingQueue<Runnable> work = new ArrayBlockingQueue<>(WORKER_QUEUE_CAPACITY);
    private final Thread worker;
    private final AtomicLong rejected = new AtomicLong();
    private volatile boolean closed;

    private LiveBoard(String name, Gpio gpio) {
        this.gpio = gpio;
        this.worker = new Thread(this::work, name + "-hal-worker");
        this.worker.setDaemon(true);
        this.worker.start();
    }

    /** A board with simulated GPIO (a laptop, or a device that was not given GPIO lines). */
    public static LiveBoard withSimulatedGpio(String name) {
        return new LiveBoard(name, new SimulatedGpio());
    }

    /** A board on libgpiod's {@code chip}; when libgpiod or the chip is missing, simulated GPIO and one log line saying why. */
    public static LiveBoard withGpio(String name, String chip, int ledLine, int buttonLine) {
        Gpio gpio;
        try {
            gpio = LibGpiod.open(chip, ledLine, buttonLine);
        } catch (IllegalStateException | UnsatisfiedLinkError e) {
            LOG.log(System.Logger.Level.WARNING, name + ": using simulated GPIO: " + e.getMessage());
            gpio = new SimulatedGpio();
        }
        return new LiveBoard(name, gpio);
    }

    @Override
    public void blockFor(Context cx, long nanos) {
        long deadline = System.nanoTime() + nanos;
        long left;
        while ((left = deadline - System.nanoTime()) > 0) LockSupport.parkNanos(left);
    }

    @Override
    public boolean offload(Context cx, long workNanos, Runnable job, Runnable done) {
        boolean queued = work.offer(() -> {
            long started = System.nanoTime();
            job.run();
            long left = workNanos - (System.nanoTime() - started);
            if (left > 0) LockSupport.parkNanos(left);
            done.run();
        });
        if (!queued) rejected.incrementAndGet();
        return queued;
    }

    @Override
    public long offloadRejected() {
        return rejected.get();
    }

    @Override
    public Gpio gpio() {
        return gpio;
    }

    private void work() {
        while (!closed) {
            try {
                Runnable next = work.poll(100, TimeUnit.MILLISECONDS);
                if (next != null) next.run();
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        worker.interrupt();
        gpio.close();
    }

    /** libcrypto's HMAC through JNA where the library loads, otherwise the pure-Java one (same tags). */
    @Override
    public Authenticator tokenAuthenticator(byte[] key) {
        return NativeHmac.authenticator(key);
    }
}
