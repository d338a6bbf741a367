package dev.storyloop.device.diag;

import dev.storyloop.device.exec.TaskView;
import dev.storyloop.device.exec.WaitNode;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What a pending task waits on, as a chain from the task down to the resource at the bottom, with
 * who holds its waker and how long it has waited.
 *
 * <p>Built from what the task's futures told their context: each {@link WaitNode} names itself and
 * the wait inside it, and whether it holds the waker; any other object ends the chain with its
 * {@code toString}. Rendered as {@code request#3.7 -> timeout(5 s, 3.2 s left) [timer] -> HMAC refresh
 * (board worker) [no waker held]}. The chain is cut at {@link #DEPTH_MAX} links so a future that
 * (wrongly) names itself as its own inner wait cannot loop. Loop thread only, like the task view.
 */
public record WaitChain(String task, TaskView.State state, List<Link> links, long waitedNanos, int wakerHolders) {
    public static final int DEPTH_MAX = 8;

    /** One link: its label and who holds the waker for it ("" when it holds none, null when it cannot say). */
    public record Link(String label, String holder) {
        String render() {
            if (holder == null) return label;
            return label + (holder.isEmpty() ? " [no waker held]" : " [waker: " + holder + "]");
        }
    }

    /** The chain of {@code task} at {@code nowNanos}; a task that is not pending has no links. */
    public static WaitChain of(TaskView task, long nowNanos) {
        String name = task.name() + "#" + task.slot() + "." + task.generation();
        TaskView.State state = task.state();
        if (state != TaskView.State.PENDING) return new WaitChain(name, state, List.of(), 0, task.wakerHolders());
        return new WaitChain(name, state, links(task.waitingOn(), nowNanos), Math.max(0, nowNanos - task.sinceNanos()), task.wakerHolders());
    }

    /** The links below {@code waitingOn} (what a task told its context), at {@code nowNanos}. */
    public static List<Link> links(Object waitingOn, long nowNanos) {
        List<Link> links = new ArrayList<>(2);
        Object at = waitingOn;
        while (at != null && links.size() < DEPTH_MAX) {
            if (at instanceof WaitNode) {
                WaitNode node = (WaitNode) at;
                String holder = node.wakerHolder();
                links.add(new Link(node.waitLabel(nowNanos), holder == null ? "" : holder));
                at = node.innerWait();
            } else {
                links.add(new Link(String.valueOf(at), null));
                at = null;
            }
        }
        if (links.isEmpty()) links.add(new Link("nothing named", null));
        return List.copyOf(links);
    }

    /** The links alone, joined as in {@link #chain()}: what a trace line records for a pending poll. */
    public static String describe(Object waitingOn, long nowNanos) {
        StringBuilder out = new StringBuilder();
        for (Link link : links(waitingOn, nowNanos)) out.append(out.length() == 0 ? "" : " -> ").append(link.render());
        return out.toString();
    }

    /** True when nothing could wake the task: pending, and no registration holds its waker. */
    public boolean noWakerHeld() {
        return state == TaskView.State.PENDING && wakerHolders == 0;
    }

    /** The chain alone: {@code task -> link -> link}. */
    public String chain() {
        StringBuilder out = new StringBuilder(task);
        for (Link link : links) out.append(" -> ").append(link.render());
        return out.toString();
    }

    /** The chain, how long the task has waited, and how many registrations hold its waker. */
    @Override
    public String toString() {
        if (state != TaskView.State.PENDING) return task + " " + state;
        return String.format(Locale.ROOT, "%s; waiting %.3f s; %s", chain(), waitedNanos / 1e9,
                wakerHolders == 0 ? "NO WAKER HELD" : "waker held by " + wakerHolders + " registration(s)");
    }
}
