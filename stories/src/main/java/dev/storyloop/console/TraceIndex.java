package dev.storyloop.console;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A recorded trace (the executor's JSON lines) loaded for replay: every task's state and wait chain
 * at any instant of virtual time, and every warning.
 *
 * <p>Events are kept in columns (time, task, kind, chain); strings are interned once. Every
 * {@link #CHECKPOINT_EVERY} events the set of live tasks is saved, so the state at an instant is
 * one checkpoint restored plus at most that many events applied: scrubbing costs the same
 * anywhere in the trace. A task's identity is its executor and {@code name#slot.generation}, as
 * the recorder writes it. Ids are handed out in order of first appearance, so the same file
 * gives the same index. Lines that are not trace events are counted and skipped.
 */
public final class TraceIndex {
    public static final int CHECKPOINT_EVERY = 4096;
    public static final int EVENTS_MAX = 50_000_000;
    public static final int WARNINGS_KEPT_MAX = 10_000;
    public static final int STRINGS_MAX = 5_000_000;
    public static final int LINE_BYTES_MAX = 1 << 20;

    static final byte SPAWN = 1, WAKE = 2, POLL = 3, PEND = 4, READY = 5, END = 6, OTHER = 7, WARN = 8;
    /** Task states in a replay, as the live view names them. */
    static final String[] STATE_NAMES = {"", "RUNNABLE", "RUNNING", "PENDING"};
    private static final byte RUNNABLE = 1, RUNNING = 2, PENDING = 3;

    /** A warning of the run: a lost waker or a long poll, at {@code atNanos}, the event's index {@code event}. */
    public record Warning(int event, long atNanos, String kind, String executor, String task, String message) {}

    /** One live task at an instant. */
    public record TaskAt(String executor, String task, String state, String waitsOn, int wakerHolders, long sinceNanos, long polls) {}

    private long[] times = new long[1024];
    private int[] tasks = new int[1024];
    private byte[] kinds = new byte[1024];
    private int[] details = new int[1024]; // the chain's string id for PEND, -1 otherwise
    private byte[] holders = new byte[1024];
    private int events;
    private long malformedLines;
    private final List<String> strings = new ArrayList<>();
    private final List<byte[]> raw = new ArrayList<>(); // string id -> its raw bytes in the trace
    private int[] table = filled(1 << 12);              // the interning table: string ids by hash of raw bytes
    private final List<Integer> taskExecutor = new ArrayList<>(); // task id -> executor's string id
    private final List<Integer> taskName = new ArrayList<>();     // task id -> "name#slot.gen" string id
    private final Map<Long, Integer> taskIds = new HashMap<>();   // (executor, name) -> task id; lookup only
    private final List<Warning> warnings = new ArrayList<>();
    private long warningCount;
    private final List<Checkpoint> checkpoints = new ArrayList<>();
    private Working working;

    private static int[] filled(int size) {
        int[] t = new int[size];
        Arrays.fill(t, -1);
        return t;
    }

    private record Checkpoint(int[] ids, byte[] states, int[] chains, byte[] holders, long[] since, long[] polls) {}

    /** Loads {@code trace}; throws when the file has no events at all or more than {@link #EVENTS_MAX}. */
    public static TraceIndex load(Path trace) throws IOException {
        TraceIndex index = new TraceIndex();
        LineReader lines = new LineReader();
        try (InputStream in = Files.newInputStream(trace)) {
            lines.read(in, (buf, from, to) -> {
                if (index.events >= EVENTS_MAX) throw new IOException(trace + ": more than " + EVENTS_MAX + " events; replay a shorter run");
                if (!index.add(lines.fields, buf, from, to)) index.malformedLines++;
            }, () -> index.malformedLines++);
        }
        if (index.events == 0) throw new IOException(trace + ": no trace events (" + index.malformedLines + " line(s) that are not events)");
        index.finish();
        return index;
    }

    private boolean add(FlatJson f, byte[] buf, int from, int to) {
        if (!f.parse(buf, from, to)) return false;
        long t = f.t;
        if (t == Long.MIN_VALUE || f.exAt < 0 || f.eAt < 0) return false;
        if (events > 0 && t < times[events - 1]) return false; // a trace is in time order; an older line is damage
        byte k = kindOf(buf, f.eAt, f.eLen);
        int exId = intern(buf, f.exAt, f.exLen);
        int taskId = f.taskAt < 0 ? -1 : taskId(exId, intern(buf, f.taskAt, f.taskLen));
        if (k != WARN && k != OTHER && taskId < 0) return false;
        grow();
        times[events] = t;
        tasks[events] = taskId;
        kinds[events] = k;
        details[events] = k == PEND && f.onAt >= 0 ? intern(buf, f.onAt, f.onLen) : -1;
        holders[events] = (byte) Math.max(0, Math.min(f.holders, Byte.MAX_VALUE));
        if (k == WARN) {
            warningCount++;
            if (warnings.size() < WARNINGS_KEPT_MAX) {
                warnings.add(new Warning(events, t, f.kindAt < 0 ? "warning" : FlatJson.decode(buf, f.kindAt, f.kindLen),
                        strings.get(exId), f.taskAt < 0 ? "" : FlatJson.decode(buf, f.taskAt, f.taskLen),
                        f.msgAt < 0 ? "" : FlatJson.decode(buf, f.msgAt, f.msgLen)));
            }
        }
        events++;
        if (events % CHECKPOINT_EVERY == 0) checkpoint();
        return true;
    }

    private static byte kindOf(byte[] b, int at, int len) {
        if (is(b, at, len, "pend")) return PEND;
        if (is(b, at, len, "poll")) return POLL;
        if (is(b, at, len, "wake")) return WAKE;
        if (is(b, at, len, "ready")) return READY;
        if (is(b, at, len, "spawn")) return SPAWN;
        if (is(b, at, len, "done") || is(b, at, len, "fail") || is(b, at, len, "abort")) return END;
        if (is(b, at, len, "warn")) return WARN;
        return OTHER;
    }

    static boolean is(byte[] b, int at, int len, String ascii) {
        if (len != ascii.length()) return false;
        for (int i = 0; i < len; i++) if (b[at + i] != ascii.charAt(i)) return false;
        return true;
    }

    /** Splits a stream into lines of at most {@link #LINE_BYTES_MAX} bytes without decoding the ones it skips. */
    private static final class LineReader {
        final FlatJson fields = new FlatJson();

        interface LineHandler {
            void line(byte[] buf, int from, int to) throws IOException;
        }

        void read(InputStream in, LineHandler handler, Runnable tooLong) throws IOException {
            byte[] buf = new byte[LINE_BYTES_MAX];
            int filled = 0;
            boolean skipping = false; // inside a line longer than the bound
            while (true) {
                int n = in.read(buf, filled, buf.length - filled);
                if (n < 0) break;
                filled += n;
                int start = 0;
                for (int i = 0; i < filled; i++) {
                    if (buf[i] != '\n') continue;
                    if (!skipping && i > start) handler.line(buf, start, i);
                    skipping = false;
                    start = i + 1;
                }
                if (start == 0 && filled == buf.length) { // one line fills the buffer: skip it
                    if (!skipping) tooLong.run();
                    skipping = true;
                    filled = 0;
                    continue;
                }
                System.arraycopy(buf, start, buf, 0, filled - start);
                filled -= start;
            }
            if (filled > 0 && !skipping) handler.line(buf, 0, filled);
        }
    }

    /**
     * Reads one flat JSON object (string, number and boolean values) as the recorder writes it,
     * noting where the fields a replay needs are, without making strings; false for anything else.
     * Hand-written because opening a trace is mostly this (with a general JSON parser per line,
     * 238,000 lines took 3.5 s to open). A string field's position is its raw (still escaped) bytes.
     */
    static final class FlatJson {
        long t;
        int holders;
        int exAt, exLen, eAt, eLen, taskAt, taskLen, onAt, onLen, kindAt, kindLen, msgAt, msgLen;
        private byte[] b;
        private int i, end;

        boolean parse(byte[] buf, int from, int to) {
            b = buf;
            i = from;
            end = to;
            t = Long.MIN_VALUE;
            holders = 0;
            exAt = eAt = taskAt = onAt = kindAt = msgAt = -1;
            skipSpace();
            if (!take('{')) return false;
            skipSpace();
            if (take('}')) return true;
            while (true) {
                skipSpace();
                if (!take('"')) return false;
                int keyAt = i;
                int keyEnd = stringEnd();
                if (keyEnd < 0) return false;
                int keyLen = keyEnd - keyAt;
                skipSpace();
                if (!take(':')) return false;
                skipSpace();
                if (!value(keyAt, keyLen)) return false;
                skipSpace();
                if (take(',')) continue;
                if (!take('}')) return false;
                skipSpace();
                return i == end;
            }
        }

        private boolean value(int keyAt, int keyLen) {
            if (i < end && b[i] == '"') {
                i++;
                int at = i;
                int stop = stringEnd();
                if (stop < 0) return false;
                int len = stop - at;
                if (is(b, keyAt, keyLen, "ex")) { exAt = at; exLen = len; }
                else if (is(b, keyAt, keyLen, "e")) { eAt = at; eLen = len; }
                else if (is(b, keyAt, keyLen, "task")) { taskAt = at; taskLen = len; }
                else if (is(b, keyAt, keyLen, "on")) { onAt = at; onLen = len; }
                else if (is(b, keyAt, keyLen, "kind")) { kindAt = at; kindLen = len; }
                else if (is(b, keyAt, keyLen, "msg")) { msgAt = at; msgLen = len; }
                return true;
            }
            boolean isT = is(b, keyAt, keyLen, "t");
            boolean isHolders = is(b, keyAt, keyLen, "holders");
            if (!isT && !isHolders) {
                int start = i;
                while (i < end && b[i] != ',' && b[i] != '}' && b[i] != ' ') i++;
                return i > start;
            }
            boolean negative = take('-');
            int start = i;
            long v = 0;
            while (i < end && b[i] >= '0' && b[i] <= '9') {
                if (i - start >= 18) return false; // beyond any nanosecond instant a trace holds
                v = v * 10 + (b[i++] - '0');
            }
            if (i == start) return false;
            if (negative) v = -v;
            if (isT) t = v; else holders = (int) Math.min(v, Integer.MAX_VALUE);
            return true;
        }

        /** Moves past a string's closing quote; returns where its content ends, or -1 when it does not end. */
        private int stringEnd() {
            while (i < end && b[i] != '"') {
                if (b[i] == '\\') i++;
                i++;
            }
            if (i >= end) return -1;
            return i++;
        }

        /** A string field's raw bytes, unescaped. */
        static String decode(byte[] b, int at, int len) {
            boolean plain = true;
            for (int k = at; k < at + len; k++) if (b[k] == '\\') { plain = false; break; }
            String raw = new String(b, at, len, StandardCharsets.UTF_8);
            if (plain) return raw;
            StringBuilder text = new StringBuilder(raw.length());
            for (int k = 0; k < raw.length(); k++) {
                char c = raw.charAt(k);
                if (c != '\\' || k + 1 >= raw.length()) {
                    text.append(c);
                    continue;
                }
                char x = raw.charAt(++k);
                switch (x) {
                    case 'n' -> text.append('\n');
                    case 't' -> text.append('\t');
                    case 'r' -> text.append('\r');
                    case 'b' -> text.append('\b');
                    case 'f' -> text.append('\f');
                    case 'u' -> {
                        if (k + 5 > raw.length()) return raw; // cut short: keep it as written
                        try {
                            text.append((char) Integer.parseInt(raw.substring(k + 1, k + 5), 16));
                        } catch (NumberFormatException e) {
                            return raw;
                        }
                        k += 4;
                    }
                    default -> text.append(x);
                }
            }
            return text.toString();
        }

        private boolean take(char c) {
            if (i < end && b[i] == c) {
                i++;
                return true;
            }
            return false;
        }

        private void skipSpace() {
            while (i < end && (b[i] == ' ' || b[i] == '\t' || b[i] == '\r')) i++;
        }
    }

    /**
     * Interns a string field by its raw bytes, decoding it only the first time: an open-addressing
     * table of string ids, grown at three quarters full. Raw bytes name one string, since the
     * recorder writes each string one way.
     */
    private int intern(byte[] b, int at, int len) {
        int hash = 1;
        for (int k = at; k < at + len; k++) hash = 31 * hash + b[k];
        hash ^= hash >>> 16;
        int mask = table.length - 1;
        for (int slot = hash & mask; ; slot = (slot + 1) & mask) {
            int id = table[slot];
            if (id < 0) {
                if (strings.size() >= STRINGS_MAX) throw new IllegalStateException("more than " + STRINGS_MAX + " distinct names in the trace");
                byte[] key = Arrays.copyOfRange(b, at, at + len);
                strings.add(FlatJson.decode(b, at, len));
                raw.add(key);
                table[slot] = strings.size() - 1;
                if (strings.size() * 4L > table.length * 3L) rehash();
                return strings.size() - 1;
            }
            byte[] key = raw.get(id);
            if (key.length == len && Arrays.equals(key, 0, len, b, at, at + len)) return id;
        }
    }

    private void rehash() {
        int[] bigger = new int[table.length * 2];
        Arrays.fill(bigger, -1);
        int mask = bigger.length - 1;
        for (int id = 0; id < raw.size(); id++) {
            byte[] key = raw.get(id);
            int hash = 1;
            for (byte x : key) hash = 31 * hash + x;
            hash ^= hash >>> 16;
            int slot = hash & mask;
            while (bigger[slot] >= 0) slot = (slot + 1) & mask;
            bigger[slot] = id;
        }
        table = bigger;
    }

    private int taskId(int exId, int nameId) {
        long key = (long) exId << 32 | nameId;
        Integer id = taskIds.get(key);
        if (id != null) return id;
        taskIds.put(key, taskExecutor.size());
        taskExecutor.add(exId);
        taskName.add((int) key);
        return taskExecutor.size() - 1;
    }

    private void grow() {
        if (events < times.length) return;
        int size = times.length * 2;
        times = Arrays.copyOf(times, size);
        tasks = Arrays.copyOf(tasks, size);
        kinds = Arrays.copyOf(kinds, size);
        details = Arrays.copyOf(details, size);
        holders = Arrays.copyOf(holders, size);
    }

    // ---- the state machine, applied while loading and when scrubbing -----------------------

    /** The state of every task after some prefix of the events; its live list makes checkpoints cheap. */
    private final class Working {
        byte[] state;
        int[] chain;
        byte[] held;
        long[] since;
        long[] polls;
        int[] position; // index in live, or -1
        int[] live = new int[64];
        int liveCount;

        Working(int taskCount) {
            resize(taskCount);
        }

        void resize(int taskCount) {
            int old = state == null ? 0 : state.length;
            if (taskCount <= old) return;
            int size = Math.max(taskCount, old * 2);
            state = state == null ? new byte[size] : Arrays.copyOf(state, size);
            chain = chain == null ? new int[size] : Arrays.copyOf(chain, size);
            held = held == null ? new byte[size] : Arrays.copyOf(held, size);
            since = since == null ? new long[size] : Arrays.copyOf(since, size);
            polls = polls == null ? new long[size] : Arrays.copyOf(polls, size);
            position = position == null ? new int[size] : Arrays.copyOf(position, size);
            Arrays.fill(position, old, size, -1);
        }

        void clear() {
            for (int i = 0; i < liveCount; i++) {
                int id = live[i];
                state[id] = 0;
                position[id] = -1;
            }
            liveCount = 0;
        }

        void restore(Checkpoint c) {
            clear();
            for (int i = 0; i < c.ids.length; i++) {
                int id = c.ids[i];
                enter(id);
                state[id] = c.states[i];
                chain[id] = c.chains[i];
                held[id] = c.holders[i];
                since[id] = c.since[i];
                polls[id] = c.polls[i];
            }
        }

        private void enter(int id) {
            if (position[id] >= 0) return;
            if (liveCount == live.length) live = Arrays.copyOf(live, live.length * 2);
            position[id] = liveCount;
            live[liveCount++] = id;
        }

        private void leave(int id) {
            int at = position[id];
            if (at < 0) return;
            int lastId = live[--liveCount];
            live[at] = lastId;
            position[lastId] = at;
            position[id] = -1;
            state[id] = 0;
        }

        void apply(int e) {
            int id = tasks[e];
            if (id < 0) return;
            switch (kinds[e]) {
                case SPAWN -> {
                    enter(id);
                    state[id] = RUNNABLE;
                    chain[id] = -1;
                    held[id] = 0;
                    since[id] = times[e];
                    polls[id] = 0;
                }
                case WAKE -> {
                    enter(id);
                    state[id] = RUNNABLE;
                    since[id] = times[e];
                }
                case POLL -> {
                    enter(id);
                    state[id] = RUNNING;
                    since[id] = times[e];
                }
                case PEND -> {
                    enter(id);
                    polls[id]++;
                    // A task that woke itself during the poll is queued already: its wake line came first.
                    if (state[id] == RUNNING) state[id] = PENDING;
                    chain[id] = details[e];
                    held[id] = holders[e];
                    since[id] = times[e];
                }
                case READY, END -> leave(id);
                default -> { }
            }
        }

        Checkpoint save() {
            int[] ids = Arrays.copyOf(live, liveCount);
            Arrays.sort(ids);
            byte[] s = new byte[ids.length];
            int[] c = new int[ids.length];
            byte[] h = new byte[ids.length];
            long[] si = new long[ids.length];
            long[] p = new long[ids.length];
            for (int i = 0; i < ids.length; i++) {
                s[i] = state[ids[i]];
                c[i] = chain[ids[i]];
                h[i] = held[ids[i]];
                si[i] = since[ids[i]];
                p[i] = polls[ids[i]];
            }
            return new Checkpoint(ids, s, c, h, si, p);
        }
    }

    private int applied; // events applied to the loading state so far

    private void checkpoint() {
        if (working == null) working = new Working(taskExecutor.size());
        working.resize(taskExecutor.size());
        for (; applied < events; applied++) working.apply(applied);
        checkpoints.add(working.save());
    }

    private void finish() {
        if (working == null) working = new Working(taskExecutor.size());
        working.resize(taskExecutor.size()); // checkpoint c holds the state after the first (c+1) * K events
    }

    // ---- queries ---------------------------------------------------------------------------

    public int events() { return events; }
    public long malformedLines() { return malformedLines; }
    public long startNanos() { return times[0]; }
    public long endNanos() { return times[events - 1]; }
    public List<Warning> warnings() { return Collections.unmodifiableList(warnings); }
    public long warningCount() { return warningCount; }
    public int taskCount() { return taskExecutor.size(); }

    /** The index of the last event at or before {@code atNanos}, or -1 when the instant is before the trace. */
    public int eventAt(long atNanos) {
        int lo = 0, hi = events - 1, found = -1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (times[mid] <= atNanos) {
                found = mid;
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        return found;
    }

    /** Every live task after event {@code event} (inclusive), by executor then name; -1 gives none. */
    public synchronized List<TaskAt> tasksAfter(int event) {
        List<TaskAt> out = new ArrayList<>();
        if (event < 0) return out;
        if (event >= events) event = events - 1;
        int checkpoint = (event + 1) / CHECKPOINT_EVERY; // checkpoints[c-1] holds the state after c*K events
        int from;
        if (checkpoint == 0) {
            working.clear();
            from = 0;
        } else {
            working.restore(checkpoints.get(checkpoint - 1));
            from = checkpoint * CHECKPOINT_EVERY;
        }
        for (int e = from; e <= event; e++) working.apply(e);
        int[] ids = Arrays.copyOf(working.live, working.liveCount);
        Arrays.sort(ids); // ids follow first appearance: a stable order for the page
        for (int id : ids) {
            int c = working.chain[id];
            out.add(new TaskAt(strings.get(taskExecutor.get(id)), strings.get(taskName.get(id)), STATE_NAMES[working.state[id]],
                    working.state[id] == PENDING && c >= 0 ? strings.get(c) : "", working.held[id], working.since[id], working.polls[id]));
        }
        return out;
    }

    /** Every live task at {@code atNanos}: after every event at that instant. */
    public List<TaskAt> tasksAt(long atNanos) {
        return tasksAfter(eventAt(atNanos));
    }
}
