package dev.storyloop.device.exec;

import java.util.ArrayList;
import java.util.List;

/** Records loop events as short strings ("poll A", "pend A", "wake A by timer") for exact-sequence asserts. */
public final class EventLog implements LoopObserver {
    public final List<String> events = new ArrayList<>();

    @Override public void onSpawn(TaskView task, long now) { events.add("spawn " + task.name()); }
    @Override public void onWake(TaskView task, WakeSource source, boolean self, long now) {
        events.add("wake " + task.name() + (self ? " by itself" : " by " + source.wakeSourceName()));
    }
    @Override public void onPollStart(TaskView task, long wokenAt, long now) { events.add("poll " + task.name()); }
    @Override public void onPollEnd(TaskView task, Poll result, long start, long end) {
        events.add((result == Poll.READY ? "ready " : "pend ") + task.name());
    }
    @Override public void onComplete(TaskView task, Throwable failure, boolean aborted, long now) {
        events.add((aborted ? "abort " : failure != null ? "fail " : "done ") + task.name());
    }
    @Override public void onNote(TaskView task, String kind, String subject, long now) {
        events.add(kind + " " + subject + " in " + task.name());
    }

    /** Only the events starting with one of the given words. */
    public List<String> only(String... kinds) {
        List<String> kept = new ArrayList<>();
        for (String event : events) {
            for (String kind : kinds) {
                if (event.startsWith(kind + " ")) {
                    kept.add(event);
                    break;
                }
            }
        }
        return kept;
    }
}
