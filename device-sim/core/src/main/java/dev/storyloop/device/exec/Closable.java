package dev.storyloop.device.exec;

/**
 * Something a task can wait on that may end for good: a channel whose other side is gone.
 *
 * <p>A task still waiting on a closed resource can never be served by it; the diagnostics report
 * such a task at the next idle turn, whatever holds its waker.
 */
public interface Closable {

    /** True once nothing will ever come from (or go into) this resource again. */
    boolean isClosed();
}
