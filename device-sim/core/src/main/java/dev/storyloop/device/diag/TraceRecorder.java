package dev.storyloop.device.diag;

import dev.storyloop.device.exec.LoopObserver;
import dev.storyloop.device.exec.Poll;
import dev.storyloop.device.exec.Sleep;
import dev.storyloop.device.exec.TaskView;
import dev.storyloop.device.exec.WaitNode;
import dev.storyloop.device.exec.WakeSource;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;

/**
 * Records every loop event of one executor as a compact binary record ({@link TraceRecords}) in a
 * {@link TraceStream}, which digests the records with SHA-256: a stream of its own, or a simulated
 * world's, shared by every executor in it.
 *
 * <p>The digest is a run's identity: with the same seed and inputs, a simulated run gives the
 * same records and so the same digest, on any machine and JDK. Records hold only the virtual time,
 * task names with their slot and generation, names of wake sources and what a pending task waits
 * on; never an identity hash, a wall-clock time or a thread name. A timer's wait is recorded as its
 * deadline, not as text, so a fleet pays no formatting per event. Records go to the digest always;
 * when a {@code sink} is given, each record is also rendered as the canonical JSON line that replay
 * reads ({@link TraceRecords#appendJson}). Nothing is kept in memory beyond one block of records.
 */
public final class TraceRecorder implements LoopObserver {
    private final TraceStream stream;
    private final int executor; // its number in the stream
    private final String executorName;
    private final Appendable sink;
    private final StringBuilder jsonLine;
    private long events;
    private String ownString; // see string(String)
    private byte[] ownBytes;
    private String olderOwnString;
    private byte[] olderOwnBytes;

    public TraceRecorder(String executorName, Appendable sink) {
        this(executorName, sink, null);
    }

    /**
     * A recorder with a stream of its own that also writes the binary records themselves to
     * {@code recordSink} (null: none), in blocks: a compact trace that {@link TraceRecords#toJsonLines}
     * renders as JSON lines when asked. Call {@link #digestHex()} at the end to write the last block.
     */
    public TraceRecorder(String executorName, Appendable sink, OutputStream recordSink) {
        this(TraceStream.own(recordSink), executorName, sink);
    }

    /**
     * A recorder writing into {@code stream}, shared with the other executors on the same thread (a
     * simulated world's); its JSON lines, when {@code sink} is given, go there in the order they happen.
     */
    public TraceRecorder(TraceStream stream, String executorName, Appendable sink) {
        this.stream = stream;
        this.executorName = executorName;
        this.sink = sink;
        this.jsonLine = sink == null ? null : new StringBuilder(160);
        // The executor's name opens its part of the stream, so equal events on two executors do not digest alike.
        this.executor = stream.open(executorName);
    }

    public static TraceRecorder digestOnly(String executorName) {
        return new TraceRecorder(executorName, null);
    }

    @Override
    public void onSpawn(TaskView task, long nowNanos) {
        begin(TraceRecords.SPAWN, nowNanos);
        task(task);
        end();
    }

    @Override
    public void onWake(TaskView task, WakeSource source, boolean self, long nowNanos) {
        begin(self ? TraceRecords.WAKE_SELF : TraceRecords.WAKE, nowNanos);
        task(task);
        string(source.wakeSourceName());
        end();
    }

    @Override
    public void onPollStart(TaskView task, long wokenAtNanos, long nowNanos) {
        begin(TraceRecords.POLL, nowNanos);
        task(task);
        end();
    }

    @Override
    public void onPollEnd(TaskView task, Poll result, long startNanos, long endNanos) {
        if (result == Poll.READY) {
            begin(TraceRecords.READY, endNanos);
            task(task);
        } else {
            // What replay shows for this task until its next event: its wait chain and the waker's holders.
            begin(TraceRecords.PEND, endNanos);
            task(task);
            chain(task.waitingOn());
            unsigned(task.wakerHolders());
        }
        end();
    }

    @Override
    public void onComplete(TaskView task, Throwable failure, boolean aborted, long nowNanos) {
        begin(aborted ? TraceRecords.ABORT : failure != null ? TraceRecords.FAIL : TraceRecords.DONE, nowNanos);
        task(task);
        if (!aborted && failure != null) string(failure.getClass().getName());
        end();
    }

    @Override
    public void onTimersFired(int count, long nowNanos) {
        begin(TraceRecords.TIMERS, nowNanos);
        unsigned(count);
        end();
    }

    @Override
    public void onNote(TaskView task, String kind, String subject, long nowNanos) {
        begin(task == null ? TraceRecords.NOTE : TraceRecords.NOTE_TASK, nowNanos);
        string(kind);
        if (task != null) task(task);
        string(subject);
        end();
    }

    /**
     * Records a diagnostic's report as a {@code warn} record, so a replay can jump to it: {@code kind}
     * is "lost-waker", "long-poll", "failed-task" or "closed-wait"; {@code task} is "name#slot.generation"
     * ("name#slot" for a long poll).
     */
    public void warning(long nowNanos, String kind, String task, String message) {
        begin(TraceRecords.WARN, nowNanos);
        string(kind);
        string(task);
        string(message);
        end();
    }

    /** Records every report {@code diagnostics} makes from now on as a {@link #warning}. */
    public void recordReports(Diagnostics diagnostics) {
        diagnostics.onReport(report -> {
            if (report instanceof LostWakerReport) {
                LostWakerReport r = (LostWakerReport) report;
                warning(r.atNanos(), "lost-waker", r.task() + "#" + r.slot() + "." + r.generation(), r.toString());
            } else if (report instanceof LongPollReport) {
                LongPollReport r = (LongPollReport) report;
                warning(r.atNanos() + r.durationNanos(), "long-poll", r.task() + "#" + r.slot(), r.toString());
            } else if (report instanceof FailedTaskReport) {
                FailedTaskReport r = (FailedTaskReport) report;
                warning(r.atNanos(), "failed-task", r.task() + "#" + r.slot() + "." + r.generation(), r.toString());
            } else if (report instanceof ClosedWaitReport) {
                ClosedWaitReport r = (ClosedWaitReport) report;
                warning(r.atNanos(), "closed-wait", r.task() + "#" + r.slot() + "." + r.generation(), r.toString());
            }
        });
    }

    public long events() {
        return events;
    }

    /** The SHA-256 of every record in this recorder's stream so far (a shared stream's: every executor's), in hex. */
    public String digestHex() {
        return stream.digestHex();
    }

    /** What the next links of a wait chain are; the walk mirrors {@link WaitChain#links} and stops at its depth. */
    private void chain(Object waitingOn) {
        Object at = waitingOn;
        for (int depth = 0; at != null && depth < WaitChain.DEPTH_MAX; depth++) {
            if (at instanceof Sleep) {
                Sleep sleep = (Sleep) at;
                put(TraceRecords.LINK_TIMER);
                signed(sleep.deadlineNanos());
                holder(sleep.wakerHolder());
                at = sleep.innerWait();
            } else if (at instanceof WaitNode) {
                WaitNode node = (WaitNode) at;
                put(TraceRecords.LINK_LABEL);
                string(node.waitLabel(stream.nowNanos()));
                holder(node.wakerHolder());
                at = node.innerWait();
            } else {
                put(TraceRecords.LINK_OBJECT);
                string(String.valueOf(at));
                at = null;
            }
        }
        put(TraceRecords.LINK_END);
    }

    private void holder(String holder) {
        string(holder == null ? "" : holder);
    }

    private void task(TaskView task) {
        unsigned(task.slot());
        unsigned(task.generation());
        string(task.name());
    }

    private void begin(int kind, long nowNanos) {
        stream.begin(executor, kind, nowNanos);
    }

    private void end() {
        events++;
        if (sink != null) {
            jsonLine.setLength(0);
            stream.appendJson(executorName, jsonLine);
            try {
                sink.append(jsonLine);
            } catch (IOException e) {
                throw new UncheckedIOException("could not write the trace", e);
            }
        }
        stream.endRecord();
    }

    /**
     * A string, and the last two of this executor's own that the shared cache did not have: a device names its own
     * wake sources ({@code mqtt:meter-17}, {@code device:meter-17}) in every reading's records, and each is written
     * from its bytes kept here instead of reading its {@code String} (cold in a fleet) and encoding it again. The
     * bytes are the same.
     */
    private void string(String value) {
        if (value == ownString) {
            stream.encoded(ownBytes);
            return;
        }
        if (value == olderOwnString) {
            stream.encoded(olderOwnBytes);
            return;
        }
        byte[] own = stream.stringNotShared(value);
        if (own != null) {
            olderOwnString = ownString;
            olderOwnBytes = ownBytes;
            ownString = value;
            ownBytes = own;
        }
    }

    private void signed(long value) {
        stream.signed(value);
    }

    private void unsigned(long value) {
        stream.unsigned(value);
    }

    private void put(int b) {
        stream.put(b);
    }
}
