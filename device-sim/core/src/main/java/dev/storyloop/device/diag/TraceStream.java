package dev.storyloop.device.diag;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * One stream of trace records ({@link TraceRecords}) and its SHA-256: the records of one executor,
 * or of every executor of a simulated world in the order they happen, each executor's
 * {@link TraceRecorder} writing into it. One stream for a world keeps one digest state and one block
 * of records in use, where a stream per device kept a hundred thousand of them in a fleet.
 *
 * <p>A stream is written by one thread. A recorder opens its part of it with a header record naming
 * its executor (the stream's n-th header names executor n), and a record from another executor than
 * the last one's is preceded by a switch record; a stream of one executor has neither beyond its
 * header, so its bytes (and digest) are what a recorder of its own would write.
 */
public final class TraceStream {
    /** Records are gathered in a block and digested a block at a time, not per record. */
    private static final int SHARED_BLOCK_BYTES = 4096;
    private static final int OWN_BLOCK_BYTES = 256;
    /**
     * Strings as the bytes {@link #string} writes for them, shared by every stream: a fleet's records
     * name a few task names, wake sources, wait labels and waker holders over and over, among names
     * of its own for each device (its name, its client's) that come a few times each. Direct-mapped by
     * the string's hash and checked by its content. Each slot keeps a count that a hit raises (up to
     * {@value #STRING_COUNT_MAX}) and a miss lowers; a miss at zero takes the slot. So a device's own
     * names, met once, do not keep a slot from the strings every reading writes (a first-come slot
     * kept them: a fleet's boot filled every slot with device names, and the strings of every reading
     * were encoded each time), and two strings that collide keep the one met more often. Strings of
     * more than {@value #STRING_CACHED_MAX_CHARS} chars (a warning's message) are never kept. The
     * bytes written are the same either way. Entries are immutable, so streams on other threads share
     * them without locks; the counts are only a hint: a lost update among threads costs a few
     * encodings, never a wrong byte.
     */
    private static final int STRINGS_CACHED = 2048;
    private static final int STRING_CACHED_MAX_CHARS = 64;
    private static final int STRING_COUNT_MAX = 15;
    private static final EncodedName[] STRINGS = new EncodedName[STRINGS_CACHED];
    private static final int[] STRING_COUNTS = new int[STRINGS_CACHED];

    private record EncodedName(String name, byte[] bytes) {}

    private final MessageDigest digest;
    private final OutputStream recordSink;
    private final int flushAt;
    private byte[] block; // records not yet digested; grows only for a record longer than a block
    private int length;
    private int recordStart;
    private long lastNanos;
    private int executors;
    private int current = -1; // the executor whose record came last
    private long stringsEncoded;
    private Thread writer; // the thread that wrote first: checked under -ea only

    private boolean writtenBy() {
        if (writer == null) writer = Thread.currentThread();
        return writer == Thread.currentThread();
    }

    /**
     * A stream for the records of several executors on one thread (a simulated world's), which also
     * writes them to {@code recordSink} when one is given (null: none).
     */
    public static TraceStream shared(OutputStream recordSink) {
        return new TraceStream(SHARED_BLOCK_BYTES, recordSink);
    }

    /** A stream for one executor's records. */
    static TraceStream own(OutputStream recordSink) {
        return new TraceStream(OWN_BLOCK_BYTES, recordSink);
    }

    private TraceStream(int blockBytes, OutputStream recordSink) {
        this.block = new byte[blockBytes];
        this.flushAt = blockBytes / 2;
        this.recordSink = recordSink;
        try {
            this.digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required by every JDK", e);
        }
    }

    /** Empties the shared cache of encoded strings, so a test can record with it cold and then warm. */
    static void clearStringCache() {
        Arrays.fill(STRINGS, null);
        Arrays.fill(STRING_COUNTS, 0);
    }

    /** How many strings this stream encoded rather than copied from the shared cache. */
    long stringsEncoded() {
        return stringsEncoded;
    }

    /** The SHA-256 of every record so far, in hex; the records are written to the record sink first. Reading it does not end the stream. */
    public String digestHex() {
        flush();
        try {
            MessageDigest copy = (MessageDigest) digest.clone();
            return HexFormat.of().formatHex(copy.digest());
        } catch (CloneNotSupportedException e) {
            throw new IllegalStateException("SHA-256 digest cannot be cloned", e);
        }
    }

    /** Opens an executor's part of the stream with its header record; returns the executor's number in the stream. */
    int open(String executorName) {
        begin(TraceRecords.HEADER, lastNanos); // a header takes the time of the record before it
        string(executorName);
        endRecord();
        current = executors;
        return executors++;
    }

    /** Begins executor {@code executor}'s record of {@code kind} at {@code nowNanos}, after a switch record when another executor wrote last. */
    void begin(int executor, int kind, long nowNanos) {
        assert writtenBy() : "a trace stream is written by one thread: " + writer + " began it, " + Thread.currentThread() + " wrote";
        if (executor != current) {
            current = executor;
            recordStart = length;
            put(TraceRecords.SWITCH);
            unsigned(executor);
        }
        begin(kind, nowNanos);
    }

    private void begin(int kind, long nowNanos) {
        recordStart = length;
        put(kind);
        signed(nowNanos - lastNanos);
        lastNanos = nowNanos;
    }

    /** The time of the record being written. */
    long nowNanos() {
        return lastNanos;
    }

    /** Ends the record being written; a half-full block is digested. */
    void endRecord() {
        if (length >= flushAt) flush();
    }

    /** Appends the record being written, as its JSON line, to {@code line}. */
    void appendJson(String executorName, StringBuilder line) {
        TraceRecords.appendJson(executorName, block, recordStart, length, lastNanos, line);
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
    void string(String value) {
        write(value);
    }

    /**
     * A string as {@link #string} writes it; when its bytes were encoded here rather than found in the shared cache
     * (a string the cache does not keep, such as a device's own name), also a copy of them, for a caller that keeps
     * its own; null otherwise.
     */
    byte[] stringNotShared(String value) {
        int offset = length - recordStart; // write() may move the record to the block's start; its offset in the record holds
        if (write(value)) return null;
        return Arrays.copyOfRange(block, recordStart + offset, length);
    }

    /** Bytes {@link #stringNotShared} returned for a string, written again as they were. */
    void encoded(byte[] bytes) {
        ensure(bytes.length);
        System.arraycopy(bytes, 0, block, length, bytes.length);
        length += bytes.length;
    }

    /** Writes {@code value}; true when its bytes came from the shared cache. */
    private boolean write(String value) {
        int index = value.hashCode() & (STRINGS_CACHED - 1);
        EncodedName cached = STRINGS[index];
        int count = STRING_COUNTS[index];
        if (cached != null && (cached.name == value || cached.name.equals(value))) {
            if (count < STRING_COUNT_MAX) STRING_COUNTS[index] = count + 1;
            encoded(cached.bytes);
            return true;
        }
        int offset = length - recordStart; // ensure() may move the record to the block's start; its offset in the record holds
        encode(value);
        stringsEncoded++;
        if (value.length() > STRING_CACHED_MAX_CHARS) return false;
        if (count > 0) {
            STRING_COUNTS[index] = count - 1;
        } else {
            int start = recordStart + offset;
            STRINGS[index] = new EncodedName(value, Arrays.copyOfRange(block, start, length));
            STRING_COUNTS[index] = 1;
        }
        return false;
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
    void signed(long value) {
        unsigned((value << 1) ^ (value >> 63));
    }

    /** An unsigned LEB128 varint: seven bits a byte, low bits first. */
    void unsigned(long value) {
        ensure(10);
        while ((value & ~0x7FL) != 0) {
            block[length++] = (byte) (value & 0x7F | 0x80);
            value >>>= 7;
        }
        block[length++] = (byte) value;
    }

    void put(int b) {
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
