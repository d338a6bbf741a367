package dev.storyloop.cli;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A command that runs in the foreground until Ctrl-C or a duration, printing a status line now
 * and then, and printing its summary before the JVM exits.
 *
 * <p>A shutdown hook turns Ctrl-C into "stop", then waits (at most {@link #EXIT_WAIT_MILLIS}) until
 * the command has closed what it runs and printed its summary, which happens when this is closed.
 */
final class Foreground implements AutoCloseable {
    static final long EXIT_WAIT_MILLIS = 20_000;

    private final CountDownLatch stop = new CountDownLatch(1);
    private final CountDownLatch finished = new CountDownLatch(1);
    private final Thread hook;

    Foreground(String name) {
        hook = new Thread(() -> {
            stop.countDown();
            try {
                finished.await(EXIT_WAIT_MILLIS, TimeUnit.MILLISECONDS); // let the summary print before the JVM exits
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, name);
        Runtime.getRuntime().addShutdownHook(hook);
    }

    /** Calls {@code status} every {@code statusNanos} until Ctrl-C, or until {@code durationNanos} (null: no limit) from now. */
    void runUntilStopped(long statusNanos, Long durationNanos, Runnable status) throws InterruptedException {
        long deadline = durationNanos == null ? Long.MAX_VALUE : System.nanoTime() + durationNanos;
        while (true) {
            long left = Math.min(statusNanos, deadline - System.nanoTime());
            if (left <= 0 || stop.await(left, TimeUnit.NANOSECONDS) || System.nanoTime() >= deadline) return;
            status.run();
        }
    }

    /** The command is done (summary printed, resources closed): a waiting Ctrl-C may let the JVM exit. */
    @Override
    public void close() {
        finished.countDown();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException alreadyExiting) {
            // Ctrl-C: the hook is running and waits for `finished`, which is now counted down
        }
    }
}
