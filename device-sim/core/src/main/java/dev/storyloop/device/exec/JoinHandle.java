package dev.storyloop.device.exec;

/**
 * The outcome of a spawned task, and a future that waits for it.
 *
 * <p>Dropping a handle does not stop the task (it runs detached, as in Rust); {@link #abort()}
 * does, running the task's cancel hook.
 */
public final class JoinHandle<T> implements Future<T>, WakeSource {
    private final Executor executor;
    private final String name;
    private final String sourceName; // made once: traces name the source on every wake
    private final WakerSlot joiner = new WakerSlot();
    private TaskSlot task;
    private int generation;
    private boolean done;
    private boolean cancelled;
    private T output;
    private Throwable failure;

    JoinHandle(Executor executor, String name) {
        this.executor = executor;
        this.name = name;
        this.sourceName = "join:" + name;
    }

    void attach(TaskSlot task, int generation) {
        this.task = task;
        this.generation = generation;
    }

    void complete(T value) {
        output = value;
        finish();
    }

    void fail(Throwable error) {
        failure = error;
        finish();
    }

    void cancelled() {
        cancelled = true;
        finish();
    }

    private void finish() {
        done = true;
        task = null;
        joiner.wake(this);
    }

    @Override
    public Poll poll(Context cx) {
        if (done) return Poll.READY;
        joiner.register(cx);
        cx.waitingOn(this);
        return Poll.PENDING;
    }

    /** The task's value; null when it failed or was aborted. */
    @Override
    public T output() {
        return output;
    }

    @Override
    public void cancel() {
        joiner.clear(); // the joining future was dropped: stop holding its waker; the task runs on
    }

    /** Stops the task: its future's cancel hook runs and the slot is freed. Does nothing once done. */
    public void abort() {
        if (!done) executor.abort(task, generation);
    }

    public boolean isDone() { return done; }
    public boolean isCancelled() { return cancelled; }
    public boolean isFailed() { return failure != null; }
    public Throwable failure() { return failure; }
    public String name() { return name; }

    @Override
    public String wakeSourceName() {
        return sourceName;
    }

    @Override
    public String toString() {
        return "task '" + name + "' to finish";
    }
}
