package dev.storyloop.gateway.core;

/**
 * One device's sequence accounting: what arrived, what arrived twice, late, or never.
 *
 * <p>Device sequence numbers are u32 and wrap; they are unwrapped against the highest seen so far
 * (a step of less than 2^31 forward is forward), giving a 64-bit position. A bitmap ring of
 * {@code windowSize} positions below the highest remembers which arrived:
 * <ul>
 *   <li>beyond the highest: the positions skipped are counted missing;</li>
 *   <li>inside the window, not seen yet: it came late (reordered), and is no longer missing;</li>
 *   <li>inside the window, seen: a duplicate (a replay), rejected;</li>
 *   <li>below the window: too old to tell, rejected.</li>
 * </ul>
 * The first frame sets the baseline: nothing below it is counted missing, because the gateway
 * cannot tell frames lost before it first saw the device from frames another gateway process
 * applied before a restart (a redelivered backlog starts wherever the last process stopped). Frames
 * lost before the first one are the device's own books' to count. A frame below the baseline that
 * still arrives inside the window is accepted as late without touching {@code missing}.
 * {@link #saveTo} and {@link #restore} carry the whole state across a process restart (the durable
 * store), so a restarted gateway keeps refusing replays and does not see false gaps. Allocation-free
 * after construction.
 */
public final class SequenceWindow {
    /** What {@link #accept} decided. */
    public enum Verdict { NEW, LATE, DUPLICATE, TOO_OLD }

    private static final long U32 = 1L << 32;
    private final long[] bits;
    private final int windowSize;
    private long highest = -1;   // unwrapped position of the highest sequence number seen
    private long base = -1;      // unwrapped position of the first sequence number seen: the baseline
    private long received;
    private long duplicates;
    private long reordered;
    private long missing;
    private long tooOld;

    public SequenceWindow(int windowSize) {
        if (windowSize < 64 || Integer.bitCount(windowSize) != 1) throw new IllegalArgumentException("window must be a power of two >= 64: " + windowSize);
        this.windowSize = windowSize;
        this.bits = new long[windowSize / 64];
    }

    /** Accounts for one frame's u32 {@code sequence}. */
    public Verdict accept(long sequence) {
        if (sequence < 0 || sequence >= U32) throw new IllegalArgumentException("not a u32: " + sequence);
        if (highest < 0) {
            base = sequence;
            highest = sequence;
            set(sequence);
            received++;
            return Verdict.NEW;
        }
        long delta = (int) (sequence - (highest & (U32 - 1))); // signed 32-bit step: wrap-around is forward
        long position = highest + delta;
        if (delta > 0) {
            long skipped = delta - 1;
            missing += skipped;
            for (long p = highest + 1; p < position && p <= highest + windowSize; p++) clear(p);
            highest = position;
            set(position);
            received++;
            return Verdict.NEW;
        }
        if (position <= highest - windowSize || position < 0) {
            tooOld++;
            return Verdict.TOO_OLD;
        }
        if (isSet(position)) {
            duplicates++;
            return Verdict.DUPLICATE;
        }
        set(position);
        received++;
        reordered++;
        if (position >= base) missing--; // below the baseline it was never counted missing
        assert missing >= 0 : "missing went below zero at position " + position;
        return Verdict.LATE;
    }

    private void set(long position) {
        int index = (int) (position & (windowSize - 1));
        bits[index >>> 6] |= 1L << (index & 63);
    }

    private void clear(long position) {
        int index = (int) (position & (windowSize - 1));
        bits[index >>> 6] &= ~(1L << (index & 63));
    }

    private boolean isSet(long position) {
        int index = (int) (position & (windowSize - 1));
        return (bits[index >>> 6] & (1L << (index & 63))) != 0;
    }

    /** Longs {@link #saveTo} writes for a window of {@code windowSize}. */
    public static int savedLongs(int windowSize) {
        return SAVED_FIELDS + windowSize / 64;
    }

    private static final int SAVED_FIELDS = 8;
    private static final long SAVED_FORMAT = 1;

    /** Writes the whole state into {@code out} (at least {@link #savedLongs} long); allocation-free. */
    public void saveTo(long[] out) {
        if (out.length < savedLongs(windowSize)) throw new IllegalArgumentException("need " + savedLongs(windowSize) + " longs, got " + out.length);
        out[0] = SAVED_FORMAT;
        out[1] = highest;
        out[2] = base;
        out[3] = received;
        out[4] = duplicates;
        out[5] = reordered;
        out[6] = missing;
        out[7] = tooOld;
        System.arraycopy(bits, 0, out, SAVED_FIELDS, bits.length);
    }

    /** Takes the state {@link #saveTo} wrote; false (and nothing changed) when it does not fit this window. */
    public boolean restore(long[] in) {
        if (in.length != savedLongs(windowSize) || in[0] != SAVED_FORMAT) return false;
        if (in[1] < -1 || in[3] < 0 || in[4] < 0 || in[5] < 0 || in[6] < 0 || in[7] < 0 || (in[1] < 0) != (in[2] < 0)) return false;
        highest = in[1];
        base = in[2];
        received = in[3];
        duplicates = in[4];
        reordered = in[5];
        missing = in[6];
        tooOld = in[7];
        System.arraycopy(in, SAVED_FIELDS, bits, 0, bits.length);
        return true;
    }

    /** Distinct frames accepted. */
    public long received() { return received; }
    /** Frames that arrived again (replays), rejected. */
    public long duplicates() { return duplicates; }
    /** Frames that arrived after a later one. */
    public long reordered() { return reordered; }
    /** Sequence numbers skipped and not (yet) arrived. */
    public long missing() { return missing; }
    /** Frames older than the window, rejected. */
    public long tooOld() { return tooOld; }
    /** The highest sequence number seen (u32), or -1. */
    public long highestSequence() { return highest < 0 ? -1 : highest & (U32 - 1); }
    /** How many times the device's counter wrapped past 2^32 - 1. */
    public long wraps() { return highest < 0 ? 0 : highest >>> 32; }
}
