package dev.storyloop.device.exec;

/**
 * The first of several futures to finish wins; the others are cancelled.
 *
 * <p>Branches are polled in order, so when several are ready in the same poll the earliest
 * wins (a biased select: deterministic, which the simulator needs). Every loser's
 * {@link Future#cancel()} runs and the cancellation is reported to the loop's observers, which is
 * how a story shows what a select tore down half-way. The output is the winner's index; read
 * its value from the winning future.
 */
public final class Select implements Future<Integer> {
    private final Future<?>[] branches;
    private int winner = -1;

    private Select(Future<?>[] branches) {
        if (branches.length < 2) throw new IllegalArgumentException("select needs at least two futures");
        this.branches = branches.clone();
    }

    public static Select of(Future<?>... branches) {
        return new Select(branches);
    }

    @Override
    public Poll poll(Context cx) {
        for (int i = 0; i < branches.length; i++) {
            if (branches[i].poll(cx) == Poll.READY) {
                winner = i;
                for (int j = 0; j < branches.length; j++) {
                    if (j == i) continue;
                    branches[j].cancel();
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
        for (Future<?> branch : branches) branch.cancel();
    }
}
