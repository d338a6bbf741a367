package dev.storyloop.device.exec;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Something a task can wait on that may end for good: a channel whose other side is gone.
 *
 * <p>A task still waiting on a closed resource can never be served by it; the diagnostics report
 * such a task at the next idle turn, whatever holds its waker.
 *
 * <p>The diagnostics walk a task's wait chain again only when the task was polled since, or when a
 * close was counted ({@link #countClose()}) since, or when a resource along the chain does not say
 * that only a counted close can close it ({@link #closingIsCounted()}, false unless overridden): a
 * fleet of quiet devices then pays per poll, not per task and idle turn.
 */
public interface Closable {

    /** True once nothing will ever come from (or go into) this resource again. */
    boolean isClosed();

    /**
     * True while {@link #isClosed()} can turn true only at a {@link #countClose()} (the resource
     * counts its own closes). The default, false, makes the diagnostics look at it at every idle turn.
     */
    default boolean closingIsCounted() {
        return false;
    }

    /** Counts a close that may have closed resources whose {@link #closingIsCounted()} is true; any thread. */
    static void countClose() {
        Closes.COUNT.incrementAndGet();
    }

    /** How many closes were counted so far, process-wide: unchanged means no counted resource closed. */
    static long closesCounted() {
        return Closes.COUNT.get();
    }
}

/** The process-wide count behind {@link Closable#countClose()}; it decides only whether to look, never what is found. */
final class Closes {
    static final AtomicLong COUNT = new AtomicLong();

    private Closes() {}
}
