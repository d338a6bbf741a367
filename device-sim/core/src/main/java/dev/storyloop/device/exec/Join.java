package dev.storyloop.device.exec;

/**
 * Waits for all of several futures, polling each unfinished one when the task is woken.
 *
 * <p>Children share the task's waker, as in Rust's {@code join!}: any child's wake re-polls the
 * unfinished ones. Read each value from its own future.
 */
public final class Join implements Future<Void> {
    private final Future<?>[] children;
    private final boolean[] done;
    private int remaining;

    private Join(Future<?>[] children) {
        this.children = children.clone();
        this.done = new boolean[children.length];
        this.remaining = children.length;
    }

    public static Join all(Future<?>... children) {
        return new Join(children);
    }

    @Override
    public Poll poll(Context cx) {
        for (int i = 0; i < children.length; i++) {
            if (!done[i] && children[i].poll(cx) == Poll.READY) {
                done[i] = true;
                remaining--;
            }
        }
        return remaining == 0 ? Poll.READY : Poll.PENDING;
    }

    @Override
    public Void output() {
        return null;
    }

    @Override
    public void cancel() {
        for (int i = 0; i < children.length; i++) if (!done[i]) children[i].cancel();
    }
}
