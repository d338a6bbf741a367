package dev.storyloop.device.diag;

import dev.storyloop.device.exec.Executor;

/**
 * A daemon thread that looks at the loop while a poll runs and captures its stack once the poll
 * has taken longer than the threshold, as Vert.x's blocked-thread checker does.
 *
 * <p>The loop publishes the start of each poll with an ordered write; the watchdog samples it
 * every half threshold. The captured stack is attached to the {@link LongPollReport}.
 */
public final class LoopWatchdog implements AutoCloseable {
    private static final long NOT_POLLING = Long.MIN_VALUE;

    private final Executor executor;
    private final long thresholdNanos;
    private final Thread thread;
    private volatile long pollStartNanos = NOT_POLLING;
    private volatile long pollSequence;
    private volatile long capturedSequence = -1;
    private volatile String capturedStack;
    private volatile boolean closed;

    private LoopWatchdog(Executor executor, long thresholdNanos) {
        this.executor = executor;
        this.thresholdNanos = thresholdNanos;
        this.thread = new Thread(this::watch, "storyloop-watchdog-" + executor.name());
        this.thread.setDaemon(true);
    }

    static LoopWatchdog start(Executor executor, long thresholdNanos) {
        LoopWatchdog watchdog = new LoopWatchdog(executor, thresholdNanos);
        watchdog.thread.start();
        return watchdog;
    }

    void pollStarted(long nowNanos) {
        pollSequence++;
        pollStartNanos = nowNanos;
    }

    /** Ends the current poll; returns the stack captured during it, or null. */
    String pollEnded() {
        pollStartNanos = NOT_POLLING;
        return capturedSequence == pollSequence ? capturedStack : null;
    }

    private void watch() {
        long sleepMillis = Math.max(1, thresholdNanos / 2_000_000L);
        while (!closed) {
            try {
                Thread.sleep(sleepMillis);
            } catch (InterruptedException e) {
                return;
            }
            long start = pollStartNanos;
            long sequence = pollSequence;
            Thread loop = executor.loopThread();
            if (start == NOT_POLLING || loop == null || capturedSequence == sequence) continue;
            if (executor.nowNanos() - start <= thresholdNanos) continue;
            StringBuilder stack = new StringBuilder();
            for (StackTraceElement frame : loop.getStackTrace()) stack.append("\tat ").append(frame).append('\n');
            capturedStack = stack.toString();
            capturedSequence = sequence;
        }
    }

    @Override
    public void close() {
        closed = true;
        thread.interrupt();
    }
}
