package dev.storyloop.device.exec;

/**
 * The first of several futures to finish wins; the others are cancelled.
 *
 * <p>Branches are polled in order, so when several are ready in the same poll the earliest
 * wins (a biased select: deterministic, which the simulator needs). Every loser's
 * {@link Future#cancel()} runs and the cancellation is reported to the loop's observers, which is
 * how a story shows what a select tore down half-way. Each branch is polled in its own
 * {@link CancelScope}, so whatever a losing branch left waiting is withdrawn even when a wrapper
 * inside it does not forward {@code cancel()}. The output is the winner's index; read its value
 * from the winning future.
 */
public final class Select implements Future<Integer> {
    private final Future<?>[] branches;
    private final CancelScope[] scopes;
    private int winner = -1;

    private Select(Future<?>[] branches) {
        if (branches.length < 2) throw new IllegalArgumentException("select needs at least two futures");
        this.branches = branches.clone();
        this.scopes = new CancelScope[branches.length];
        for (int i = 0; i < scopes.length; i++) scopes[i] = new CancelScope();
    }

    public static Select of(Future<?>... branches) {
        return new Select(branches);
    }

    @Override
    public Poll poll(Context cx) {
        for (int i = 0; i < branches.length; i++) {
            scopes[i].enter(cx);
            Poll branch = branches[i].poll(cx);
            scopes[i].exit(cx);
            if (branch == Poll.READY) {
                winner = i;
                for (int j = 0; j < branches.length; j++) {
                    if (j == i) continue;
                    branches[j].cancel();
                    scopes[j].cancel();
                    cx.cancelled(branches[j]);
                }
                return Poll.READY;
            }
        }
        return Poll.PENDING;
    }

    /** The index of the branch that finished first. */
    @Override
    public Integer output() {
        return winner;
    }

    public int winner() {
        return winner;
    }

    @Override
    public void cancel() {
        if (winner >= 0) return;
        for (int i = 0; i < branches.length; i++) {
            branches[i].cancel();
            scopes[i].cancel();
        }
    }
}
