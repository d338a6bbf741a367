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
 * The first frame sets the baseline: if its sequence number is below the window size, the device
 * is taken to have started at 0 and the lower numbers count as missing (frames lost before the
 * gateway saw any); a higher first number means the gateway joined late, and nothing before it is
 * counted. Allocation-free after construction.
 */
public final class SequenceWindow {
    /** What {@link #accept} decided. */
    public enum Verdict { NEW, LATE, DUPLICATE, TOO_OLD }

    private static final long U32 = 1L << 32;
    private final long[] bits;
    private final int windowSize;
    private long highest = -1;   // unwrapped position of the highest sequence number seen
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
            long missedBefore = sequence < windowSize ? sequence : 0;
            missing += missedBefore;
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
        missing--;
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
