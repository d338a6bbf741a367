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
import java.security.MessageDigest;
import java.util.Arrays;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Records every loop event as a compact binary record ({@link TraceRecords}) and digests the
 * records with SHA-256.
 *
 * <p>The digest is a run's identity: with the same seed and inputs, a simulated run gives the
 * same records and so the same digest, on any machine and JDK. Records hold only the virtual time,
 * task names with their slot and generation, names of wake sources and what a pending task waits
 * on; never an identity hash, a wall-clock time or a thread name. A timer's wait is recorded as its
 * deadline, not as text, so a fleet pays no formatting per event. Records go to the digest always;
 * when a {@code sink} is given, each record is also rendered as the canonical JSON line that replay
 * reads ({@link TraceRecords#appendJson}). Nothing is kept in memory beyond one record.
 */
public final class TraceRecorder implements LoopObserver {
    /** Records are gathered here and digested in blocks: one digest call per block, not per event. */
    private static final int BLOCK_BYTES = 256;
    /**
     * Strings as the bytes {@link #string} writes for them, shared by every recorder: a fleet's records
     * name a few task names, wake sources, wait labels and waker holders over and over. Direct-mapped by
     * the string's hash and checked by its content; a slot keeps the first string of up to
     * {@value #STRING_CACHED_MAX_CHARS} chars that took it, so strings that collide (a device's own
     * names, one per device) are simply encoded each time and do not evict the ones already there, and a
     * long one-off (a warning's message) is never kept. The bytes written are the same either way.
     * Entries are immutable, so recorders on other threads share them without locks.
     */
    private static final int STRINGS_CACHED = 512;
    private static final int STRING_CACHED_MAX_CHARS = 64;
    private static final EncodedName[] STRINGS = new EncodedName[STRINGS_CACHED];

    private record EncodedName(String name, byte[] bytes) {}

    /** Empties the shared cache of encoded strings, so a test can record with it cold and then warm. */
    static void clearStringCache() {
        java.util.Arrays.fill(STRINGS, null);
    }

    private final String executorName;
    private final Appendable sink;
    private final OutputStream recordSink;
    private final MessageDigest digest;
    private final StringBuilder jsonLine;
    private byte[] block = new byte[BLOCK_BYTES]; // records not yet digested; grows only for a record longer than a block
    private int length;
    private int recordStart;
    private long lastNanos;
    private long events;

    public TraceRecorder(String executorName, Appendable sink) {
        this(executorName, sink, null);
    }

    /**
     * A recorder that also writes the binary records themselves to {@code recordSink} (null: none), in
     * blocks: a compact trace that {@link TraceRecords#toJsonLines} renders as JSON lines when asked.
     * Call {@link #digestHex()} at the end to write the last block.
     */
    public TraceRecorder(String executorName, Appendable sink, OutputStream recordSink) {
        this.executorName = executorName;
        this.sink = sink;
        this.recordSink = recordSink;
        this.jsonLine = sink == null ? null : new StringBuilder(160);
        try {
            this.digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required by every JDK", e);
        }
        // The executor's name opens the stream, so equal events on two executors do not digest alike.
        begin(TraceRecords.HEADER, 0);
        string(executorName);
        endRecord(false);
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

    /** The SHA-256 of all records so far, in hex. Reading it does not end the trace. */
    public String digestHex() {
        flush();
        try {
            MessageDigest copy = (MessageDigest) digest.clone();
            return HexFormat.of().formatHex(copy.digest());
        } catch (CloneNotSupportedException e) {
            throw new IllegalStateException("SHA-256 digest cannot be cloned", e);
        }
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
                string(node.waitLabel(lastNanos));
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
        recordStart = length;
        put(kind);
        signed(nowNanos - lastNanos);
        lastNanos = nowNanos;
    }

    private void end() {
        endRecord(true);
    }

    private void endRecord(boolean event) {
        if (event) events++;
        if (sink != null && event) {
            jsonLine.setLength(0);
            TraceRecords.appendJson(executorName, block, recordStart, length, lastNanos, jsonLine);
            try {
                sink.append(jsonLine);
            } catch (IOException e) {
                throw new UncheckedIOException("could not write the trace", e);
            }
        }
        if (length >= BLOCK_BYTES / 2) flush();
    }

    private void flush() {
        digest(length);
        length = 0;
        recordStart = 0;
    }

    private void digest(int bytes) {
        digest.update(block, 0, bytes);
        if (recordSink != null) {
            try {
                recordSink.write(block, 0, bytes);
            } catch (IOException e) {
                throw new UncheckedIOException("could not write the trace's records", e);
            }
        }
    }

    /** A string as its UTF-8 length and bytes, from {@link #STRINGS} when it is there. */
    private void string(String value) {
        int index = value.hashCode() & (STRINGS_CACHED - 1);
        EncodedName cached = STRINGS[index];
        if (cached != null && (cached.name == value || cached.name.equals(value))) {
            byte[] bytes = cached.bytes;
            ensure(bytes.length);
            System.arraycopy(bytes, 0, block, length, bytes.length);
            length += bytes.length;
            return;
        }
        int offset = length - recordStart; // ensure() may move the record to the block's start; its offset in the record holds
        encode(value);
        if (cached == null && value.length() <= STRING_CACHED_MAX_CHARS) {
            int start = recordStart + offset;
            STRINGS[index] = new EncodedName(value, Arrays.copyOfRange(block, start, length));
        }
    }

    /** A string as its UTF-8 length and bytes, as {@code String.getBytes(UTF_8)} would give them (a lone surrogate becomes '?'). */
    private void encode(String value) {
        int bytes = 0;
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c < 0x80) bytes++;
            else if (c < 0x800) bytes += 2;
            else if (Character.isHighSurrogate(c) && i + 1 < value.length() && Character.isLowSurrogate(value.charAt(i + 1))) {
                bytes += 4;
                i++;
            } else if (Character.isSurrogate(c)) bytes++;
            else bytes += 3;
        }
        unsigned(bytes);
        ensure(bytes);
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c < 0x80) block[length++] = (byte) c;
            else if (c < 0x800) {
                block[length++] = (byte) (0xC0 | c >> 6);
                block[length++] = (byte) (0x80 | c & 0x3F);
            } else if (Character.isHighSurrogate(c) && i + 1 < value.length() && Character.isLowSurrogate(value.charAt(i + 1))) {
                int cp = Character.toCodePoint(c, value.charAt(++i));
                block[length++] = (byte) (0xF0 | cp >> 18);
                block[length++] = (byte) (0x80 | cp >> 12 & 0x3F);
                block[length++] = (byte) (0x80 | cp >> 6 & 0x3F);
                block[length++] = (byte) (0x80 | cp & 0x3F);
            } else if (Character.isSurrogate(c)) block[length++] = '?';
            else {
                block[length++] = (byte) (0xE0 | c >> 12);
                block[length++] = (byte) (0x80 | c >> 6 & 0x3F);
                block[length++] = (byte) (0x80 | c & 0x3F);
            }
        }
    }

    /** A signed number as a zigzag varint: small magnitudes take one byte whatever their sign. */
    private void signed(long value) {
        unsigned((value << 1) ^ (value >> 63));
    }

    /** An unsigned LEB128 varint: seven bits a byte, low bits first. */
    private void unsigned(long value) {
        ensure(10);
        while ((value & ~0x7FL) != 0) {
            block[length++] = (byte) (value & 0x7F | 0x80);
            value >>>= 7;
        }
        block[length++] = (byte) value;
    }

    private void put(int b) {
        ensure(1);
        block[length++] = (byte) b;
    }

    /** Makes room for {@code more} bytes: digests the finished records first, and grows only for one record longer than a block. */
    private void ensure(int more) {
        if (length + more <= block.length) return;
        if (recordStart > 0) {
            digest(recordStart);
            System.arraycopy(block, recordStart, block, 0, length - recordStart);
            length -= recordStart;
            recordStart = 0;
        }
        if (length + more > block.length) block = Arrays.copyOf(block, Math.max(block.length * 2, length + more));
    }
}
