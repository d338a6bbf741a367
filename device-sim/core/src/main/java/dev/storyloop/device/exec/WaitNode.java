package dev.storyloop.device.exec;

/**
 * A link of a wait chain: something a task waits on that can say what it is, what it waits on
 * inside, and whether it holds the task's waker.
 *
 * <p>A future passes itself to {@link Context#waitingOn(Object)}; the diagnostics then walk from it
 * inwards ({@link #innerWait()}) to the resource at the bottom, so a dump reads
 * {@code request#12 -> timeout(5 s, 3.2 s left) -> HMAC refresh (board worker, no waker held)}.
 * Any object still works as a wait target; only the ones that implement this can name their holder
 * and what lies inside them.
 */
public interface WaitNode {

    /** This link alone, e.g. "timeout(5 s, 3.2 s left)"; {@code nowNanos} is the loop's time. */
    String waitLabel(long nowNanos);

    /** What this link waits on in its turn (what the inner future told the context), or null at the bottom. */
    default Object innerWait() {
        return null;
    }

    /**
     * Who holds the task's waker on behalf of this link ("timer", "channel 'uplink'", "board
     * worker", "interrupt"), or null when this link holds none.
     */
    String wakerHolder();
}
