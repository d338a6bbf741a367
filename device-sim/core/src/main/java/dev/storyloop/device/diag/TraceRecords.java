package dev.storyloop.device.diag;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The binary trace format that {@link TraceRecorder} digests, and its rendering as the canonical
 * JSON lines that replay and the console read.
 *
 * <p>A stream opens with a {@link #HEADER} record naming the executor, then one record per loop
 * event: a kind byte, the time since the previous record as a zigzag varint, then the kind's fields.
 * A stream of several executors ({@link TraceStream#shared}) has a header for each (the n-th names
 * executor n, and the records after it are its own) and a {@link #SWITCH} record, its kind byte and
 * the executor's number, before a record of another executor than the last one's.
 * A task is its slot and generation (unsigned varints) and its name; a string is its UTF-8 length
 * (unsigned varint) and bytes. A pending task's wait chain is a list of links, each a link byte and
 * its fields, ended by {@link #LINK_END}: a timer is its deadline (rendered with the time left at
 * the record's time), any other wait node its label and the holder of the waker ("" when none holds
 * it), any other object its text. A record is 5 to 30 bytes where its JSON line was 60 to 200.
 */
public final class TraceRecords {
    static final int HEADER = 0;
    static final int SPAWN = 1;
    static final int WAKE = 2;
    static final int WAKE_SELF = 3;
    static final int POLL = 4;
    static final int READY = 5;
    static final int PEND = 6;
    static final int DONE = 7;
    static final int FAIL = 8;
    static final int ABORT = 9;
    static final int TIMERS = 10;
    static final int NOTE = 11;
    static final int NOTE_TASK = 12;
    static final int WARN = 13;
    static final int SWITCH = 14;

    static final int LINK_END = 0;
    static final int LINK_TIMER = 1;
    static final int LINK_LABEL = 2;
    static final int LINK_OBJECT = 3;

    private TraceRecords() {}

    /**
     * Renders a whole stream of records (as a recorder's record sink received them) as JSON lines,
     * one per event, exactly as the recorder's JSON sink would have written them.
     *
     * @throws IllegalArgumentException when the bytes are not a trace stream (with the offset)
     */
    public static void toJsonLines(byte[] records, Appendable out) {
        Reader in = new Reader(records, 0, records.length);
        if (in.remaining() == 0) return;
        if (records[0] != HEADER) throw new IllegalArgumentException("not a trace: no header record at offset 0");
        List<String> executors = new ArrayList<>();
        String executor = null;
        long now = 0;
        StringBuilder line = new StringBuilder(160);
        while (in.remaining() > 0) {
            int start = in.position;
            int kind = records[start] & 0xFF;
            if (kind == HEADER) {
                in.u8();
                now += in.signed();
                executor = in.string();
                executors.add(executor);
            } else if (kind == SWITCH) {
                in.u8();
                long to = in.unsigned();
                if (to < 0 || to >= executors.size()) {
                    throw new IllegalArgumentException("a switch to executor " + to + " of " + executors.size() + " named at offset " + start);
                }
                executor = executors.get((int) to);
            } else {
                line.setLength(0);
                now = render(executor, in, now, line);
                append(out, line);
            }
            if (in.position <= start) throw new IllegalStateException("a record must be at least one byte");
        }
    }

    /** Renders the one record in {@code bytes[from, to)}, whose time is {@code nowNanos}, as its JSON line. */
    static void appendJson(String executor, byte[] bytes, int from, int to, long nowNanos, StringBuilder line) {
        Reader head = new Reader(bytes, from, to);
        head.u8();
        long previousNanos = nowNanos - head.signed();
        Reader in = new Reader(bytes, from, to);
        render(executor, in, previousNanos, line);
        assert in.remaining() == 0 : "a record was not read to its end";
    }

    /** Renders the record at the reader's position, given the previous record's time; returns this record's time. */
    private static long render(String executor, Reader in, long previousNanos, StringBuilder line) {
        int kind = in.u8();
        long now = previousNanos + in.signed();
        line.append("{\"t\":").append(now).append(",\"ex\":");
        quote(line, executor);
        line.append(",\"e\":");
        switch (kind) {
            case SPAWN -> { quote(line, "spawn"); task(in, line); }
            case WAKE, WAKE_SELF -> {
                quote(line, "wake");
                task(in, line);
                field(line, "src", in.string());
                if (kind == WAKE_SELF) line.append(",\"self\":true");
            }
            case POLL -> { quote(line, "poll"); task(in, line); }
            case READY -> { quote(line, "ready"); task(in, line); }
            case PEND -> {
                quote(line, "pend");
                task(in, line);
                field(line, "on", chain(in, now));
                line.append(",\"holders\":").append(in.unsigned());
            }
            case DONE -> { quote(line, "done"); task(in, line); }
            case ABORT -> { quote(line, "abort"); task(in, line); }
            case FAIL -> { quote(line, "fail"); task(in, line); field(line, "error", in.string()); }
            case TIMERS -> { quote(line, "timers"); line.append(",\"n\":").append(in.unsigned()); }
            case NOTE, NOTE_TASK -> {
                quote(line, in.string()); // the note's kind is the event's name
                if (kind == NOTE_TASK) task(in, line);
                field(line, "on", in.string());
            }
            case WARN -> {
                quote(line, "warn");
                field(line, "kind", in.string());
                field(line, "task", in.string());
                field(line, "msg", in.string());
            }
            default -> throw new IllegalArgumentException("not a trace record: kind " + kind + " at offset " + (in.position - 1));
        }
        line.append("}\n");
        return now;
    }

    /** A pending task's wait chain as {@link WaitChain#describe} renders it at {@code nowNanos}. */
    private static String chain(Reader in, long nowNanos) {
        StringBuilder out = new StringBuilder();
        for (int link = in.u8(); link != LINK_END; link = in.u8()) {
            if (out.length() > 0) out.append(" -> ");
            switch (link) {
                case LINK_TIMER -> {
                    long deadline = in.signed();
                    out.append(String.format(Locale.ROOT, "timer until %.6f s (%.3f s left)", deadline / 1e9,
                            Math.max(0, deadline - nowNanos) / 1e9));
                    holder(out, in.string());
                }
                case LINK_LABEL -> {
                    out.append(in.string());
                    holder(out, in.string());
                }
                case LINK_OBJECT -> out.append(in.string());
                default -> throw new IllegalArgumentException("not a wait link: " + link + " at offset " + (in.position - 1));
            }
        }
        return out.length() == 0 ? "nothing named" : out.toString();
    }

    private static void holder(StringBuilder out, String holder) {
        out.append(holder.isEmpty() ? " [no waker held]" : " [waker: " + holder + "]");
    }

    private static void task(Reader in, StringBuilder line) {
        long slot = in.unsigned();
        long generation = in.unsigned();
        line.append(",\"task\":\"");
        escaped(line, in.string());
        line.append('#').append(slot).append('.').append(generation).append('"');
    }

    private static void field(StringBuilder line, String key, String value) {
        line.append(",\"").append(key).append("\":");
        quote(line, value);
    }

    private static void quote(StringBuilder line, String value) {
        line.append('"');
        escaped(line, value);
        line.append('"');
    }

    private static void escaped(StringBuilder line, String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '"' || c == '\\') line.append('\\').append(c);
            else if (c < 0x20) line.append(String.format("\\u%04x", (int) c));
            else line.append(c);
        }
    }

    private static void append(Appendable out, CharSequence text) {
        try {
            out.append(text);
        } catch (IOException e) {
            throw new UncheckedIOException("could not write the trace", e);
        }
    }

    /** Reads varints and strings from a byte range; running past its end is an error naming the offset. */
    private static final class Reader {
        private final byte[] bytes;
        private final int end;
        private int position;

        Reader(byte[] bytes, int from, int to) {
            this.bytes = bytes;
            this.position = from;
            this.end = to;
        }

        int remaining() { return end - position; }

        int u8() {
            need(1);
            return bytes[position++] & 0xFF;
        }

        long unsigned() {
            long value = 0;
            for (int shift = 0; shift < 64; shift += 7) {
                int b = u8();
                value |= (long) (b & 0x7F) << shift;
                if ((b & 0x80) == 0) return value;
            }
            throw new IllegalArgumentException("a varint longer than 10 bytes at offset " + position);
        }

        long signed() {
            long zigzag = unsigned();
            return (zigzag >>> 1) ^ -(zigzag & 1);
        }

        String string() {
            long length = unsigned();
            if (length > remaining()) throw new IllegalArgumentException("a string of " + length + " bytes runs past the end at offset " + position);
            String value = new String(bytes, position, (int) length, StandardCharsets.UTF_8);
            position += (int) length;
            return value;
        }

        private void need(int count) {
            if (remaining() < count) throw new IllegalArgumentException("the trace ends inside a record at offset " + position);
        }
    }
}
