package dev.storyloop.device.diag;

import dev.storyloop.device.exec.LoopObserver;
import dev.storyloop.device.exec.Poll;
import dev.storyloop.device.exec.TaskView;
import dev.storyloop.device.exec.WakeSource;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Records every loop event as a canonical JSON line and digests the lines with SHA-256.
 *
 * <p>The digest is a run's identity: with the same seed and inputs, a simulated run gives the
 * same lines and so the same digest, on any machine and JDK. Lines hold only the virtual time,
 * task names with their slot and generation, and names of wake sources; never an identity hash,
 * a wall-clock time or a thread name. Lines go to the digest always and to {@code sink} when
 * one is given (a file); nothing is kept in memory.
 */
public final class TraceRecorder implements LoopObserver {
    private final String executorName;
    private final Appendable sink;
    private final MessageDigest digest;
    private final StringBuilder line = new StringBuilder(160);
    private long events;

    public TraceRecorder(String executorName, Appendable sink) {
        this.executorName = executorName;
        this.sink = sink;
        try {
            this.digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required by every JDK", e);
        }
    }

    public static TraceRecorder digestOnly(String executorName) {
        return new TraceRecorder(executorName, null);
    }

    @Override
    public void onSpawn(TaskView task, long nowNanos) {
        begin(nowNanos, "spawn", task).end();
    }

    @Override
    public void onWake(TaskView task, WakeSource source, boolean self, long nowNanos) {
        begin(nowNanos, "wake", task).field("src", source.wakeSourceName()).flag("self", self).end();
    }

    @Override
    public void onPollStart(TaskView task, long wokenAtNanos, long nowNanos) {
        begin(nowNanos, "poll", task).end();
    }

    @Override
    public void onPollEnd(TaskView task, Poll result, long startNanos, long endNanos) {
        begin(endNanos, result == Poll.READY ? "ready" : "pend", task).end();
    }

    @Override
    public void onComplete(TaskView task, Throwable failure, boolean aborted, long nowNanos) {
        TraceRecorder r = begin(nowNanos, aborted ? "abort" : failure != null ? "fail" : "done", task);
        if (failure != null) r.field("error", failure.getClass().getName());
        r.end();
    }

    @Override
    public void onTimersFired(int count, long nowNanos) {
        begin(nowNanos, "timers", null).number("n", count).end();
    }

    @Override
    public void onNote(TaskView task, String kind, String subject, long nowNanos) {
        begin(nowNanos, kind, task).field("on", subject).end();
    }

    private TraceRecorder begin(long nowNanos, String event, TaskView task) {
        line.setLength(0);
        line.append("{\"t\":").append(nowNanos).append(",\"ex\":");
        quote(executorName);
        line.append(",\"e\":");
        quote(event);
        if (task != null) {
            line.append(",\"task\":");
            quote(task.name() + "#" + task.slot() + "." + task.generation());
        }
        return this;
    }

    private TraceRecorder field(String key, String value) {
        line.append(",\"").append(key).append("\":");
        quote(value);
        return this;
    }

    private TraceRecorder number(String key, long value) {
        line.append(",\"").append(key).append("\":").append(value);
        return this;
    }

    private TraceRecorder flag(String key, boolean value) {
        if (value) line.append(",\"").append(key).append("\":true");
        return this;
    }

    private void quote(String value) {
        line.append('"');
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '"' || c == '\\') line.append('\\').append(c);
            else if (c < 0x20) line.append(String.format("\\u%04x", (int) c));
            else line.append(c);
        }
        line.append('"');
    }

    private void end() {
        line.append("}\n");
        digest.update(line.toString().getBytes(StandardCharsets.UTF_8));
        events++;
        if (sink != null) {
            try {
                sink.append(line);
            } catch (IOException e) {
                throw new UncheckedIOException("could not write the trace", e);
            }
        }
    }

    public long events() {
        return events;
    }

    /** The SHA-256 of all lines so far, in hex. Reading it does not end the trace. */
    public String digestHex() {
        try {
            MessageDigest copy = (MessageDigest) digest.clone();
            return HexFormat.of().formatHex(copy.digest());
        } catch (CloneNotSupportedException e) {
            throw new IllegalStateException("SHA-256 digest cannot be cloned", e);
        }
    }
}
