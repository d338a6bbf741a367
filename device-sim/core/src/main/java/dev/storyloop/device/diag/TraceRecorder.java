package dev.storyloop.device.diag;

import dev.storyloop.device.exec.LoopObserver;
import dev.storyloop.device.exec.Poll;
import dev.storyloop.device.exec.TaskView;
import dev.storyloop.device.exec.WakeSource;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
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
    private byte[] line = new byte[160]; // the line being built, UTF-8; grows for long names
    private int length;
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
        if (result == Poll.READY) {
            begin(endNanos, "ready", task).end();
        } else {
            // What replay shows for this task until its next event: its wait chain and the waker's holders.
            begin(endNanos, "pend", task).field("on", WaitChain.describe(task.waitingOn(), endNanos))
                    .number("holders", task.wakerHolders()).end();
        }
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

    /**
     * Records a diagnostic's report as a {@code warn} line, so a replay can jump to it: {@code kind}
     * is "lost-waker", "long-poll", "failed-task" or "closed-wait"; {@code task} is "name#slot.generation"
     * ("name#slot" for a long poll).
     */
    public void warning(long nowNanos, String kind, String task, String message) {
        begin(nowNanos, "warn", null).field("kind", kind).field("task", task).field("msg", message).end();
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

    private TraceRecorder begin(long nowNanos, String event, TaskView task) {
        length = 0;
        ascii("{\"t\":").number(nowNanos).ascii(",\"ex\":");
        quote(executorName);
        ascii(",\"e\":");
        quote(event);
        if (task != null) {
            ascii(",\"task\":\"");
            escaped(task.name());
            put('#').number(task.slot()).put('.').number(task.generation()).put('"');
        }
        return this;
    }

    private TraceRecorder field(String key, String value) {
        ascii(",\"").ascii(key).ascii("\":");
        quote(value);
        return this;
    }

    private TraceRecorder number(String key, long value) {
        ascii(",\"").ascii(key).ascii("\":").number(value);
        return this;
    }

    private TraceRecorder flag(String key, boolean value) {
        if (value) ascii(",\"").ascii(key).ascii("\":true");
        return this;
    }

    private void quote(String value) {
        put('"');
        escaped(value);
        put('"');
    }

    /** A JSON string's content, UTF-8 encoded as {@code String.getBytes(UTF_8)} would (a lone surrogate becomes '?'). */
    private void escaped(String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '"' || c == '\\') put('\\').put(c);
            else if (c < 0x20) ascii(String.format("\\u%04x", (int) c));
            else if (c < 0x80) put(c);
            else if (c < 0x800) put(0xC0 | c >> 6).put(0x80 | c & 0x3F);
            else if (Character.isHighSurrogate(c) && i + 1 < value.length() && Character.isLowSurrogate(value.charAt(i + 1))) {
                int cp = Character.toCodePoint(c, value.charAt(++i));
                put(0xF0 | cp >> 18).put(0x80 | cp >> 12 & 0x3F).put(0x80 | cp >> 6 & 0x3F).put(0x80 | cp & 0x3F);
            } else if (Character.isSurrogate(c)) put('?');
            else put(0xE0 | c >> 12).put(0x80 | c >> 6 & 0x3F).put(0x80 | c & 0x3F);
        }
    }

    private TraceRecorder ascii(String text) {
        for (int i = 0; i < text.length(); i++) put(text.charAt(i));
        return this;
    }

    private TraceRecorder number(long value) {
        if (value < 0) {
            if (value == Long.MIN_VALUE) return ascii(Long.toString(value));
            put('-');
            value = -value;
        }
        int digits = 1;
        for (long v = value; v >= 10; v /= 10) digits++;
        ensure(digits);
        for (int i = length + digits - 1; i >= length; i--) {
            line[i] = (byte) ('0' + value % 10);
            value /= 10;
        }
        length += digits;
        return this;
    }

    private TraceRecorder put(int b) {
        ensure(1);
        line[length++] = (byte) b;
        return this;
    }

    private void ensure(int more) {
        if (length + more > line.length) line = Arrays.copyOf(line, Math.max(line.length * 2, length + more));
    }

    private void end() {
        put('}').put('\n');
        digest.update(line, 0, length);
        events++;
        if (sink != null) {
            try {
                sink.append(new String(line, 0, length, StandardCharsets.UTF_8));
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
