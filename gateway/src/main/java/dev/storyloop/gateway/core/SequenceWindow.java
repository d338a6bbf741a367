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
 *   <li>below the window: too old to tell, rejected;</li>
 *   <li>more than {@code maxJumpAhead} beyond the highest: refused, so one authenticated but bogus
 *       frame cannot push the window out of every real frame's reach.</li>
 * </ul>
 * A device whose counter restarted (reflashed, lost its RTC memory) sends sequences behind the
 * highest; it is told apart from a replay by its signed timestamp: a frame behind the highest whose
 * timestamp is later than the newest accepted one cannot be a captured old frame (those carry the
 * timestamps of their time), so it is a counter restart ({@link Verdict#RESYNC}): the window starts
 * again from it, counted in {@link #resyncs()}. From then on a frame signed before that restart is
 * a replay of the old counter's life, whatever its sequence number ({@link Verdict#DUPLICATE}).
 * This holds as long as the device's timestamps never go backwards (see protocol/README.md).
 * The first frame sets the baseline. By default a first sequence number below the window size
 * means the device started at 0 and the lower numbers count as missing (frames lost before the
 * gateway saw any); a higher first number means the gateway joined late, and nothing before it is
 * counted. After {@link #baselineAtFirstSight()} nothing below the first frame is ever counted: a
 * gateway process that restarted without its books cannot tell frames lost before it first saw the
 * device from frames the previous process applied (a redelivered backlog starts wherever that
 * process stopped). A frame below an uncounted baseline that still arrives inside the window is
 * accepted as late without touching {@code missing}.
 * {@link #saveTo} and {@link #restore} carry the whole state across a process restart (the durable
 * store), so a restarted gateway keeps refusing replays and does not see false gaps. Allocation-free
 * after construction.
 */
public final class SequenceWindow {
    /** What {@link #accept} decided. */
    public enum Verdict { NEW, LATE, DUPLICATE, TOO_OLD, TOO_FAR_AHEAD, RESYNC }

    private static final long U32 = 1L << 32;
    private final long[] bits;
    private final int windowSize;
    private final long maxJumpAhead;
    private long highest = -1;   // unwrapped position of the highest sequence number seen
    private boolean countFromZero = true;
    private long base = -1;      // unwrapped position of the first sequence number seen (since the last counter restart): the baseline
    private long newestTimestampMillis = Long.MIN_VALUE; // the latest device timestamp accepted
    private long restartTimestampMillis = Long.MIN_VALUE; // the timestamp of the last counter restart: older frames are replays
    private long resyncs;
    private long tooFarAhead;
    private long received;
    private long duplicates;
    private long reordered;
    private long missing;
    private long tooOld;

    /** A window that accepts any forward step below 2^31 (the whole forward half of the u32 circle). */
    public SequenceWindow(int windowSize) {
        this(windowSize, MAX_JUMP_AHEAD_LIMIT);
    }

    /** The largest forward step a sequence can express: beyond it, a u32 step reads as backwards. */
    public static final long MAX_JUMP_AHEAD_LIMIT = (1L << 31) - 1;

    public SequenceWindow(int windowSize, long maxJumpAhead) {
        if (windowSize < 64 || Integer.bitCount(windowSize) != 1) throw new IllegalArgumentException("window must be a power of two >= 64: " + windowSize);
        if (maxJumpAhead < windowSize || maxJumpAhead > MAX_JUMP_AHEAD_LIMIT) {
            throw new IllegalArgumentException("maxJumpAhead must be in [window, 2^31 - 1]: " + maxJumpAhead);
        }
        this.windowSize = windowSize;
        this.maxJumpAhead = maxJumpAhead;
        this.bits = new long[windowSize / 64];
    }

    /** Accounts for one frame's u32 {@code sequence} without a timestamp: a counter restart is never recognised. */
    public Verdict accept(long sequence) {
        return accept(sequence, Long.MIN_VALUE);
    }

    /** Accounts for one frame's u32 {@code sequence} carrying the device's signed {@code timestampMillis}. */
    public Verdict accept(long sequence, long timestampMillis) {
        if (sequence < 0 || sequence >= U32) throw new IllegalArgumentException("not a u32: " + sequence);
        if (highest < 0) {
            baseline(sequence, timestampMillis);
            return Verdict.NEW;
        }
        long delta = (int) (sequence - (highest & (U32 - 1))); // signed 32-bit step: wrap-around is forward
        long position = highest + delta;
        if (delta > maxJumpAhead) {
            tooFarAhead++;
            return Verdict.TOO_FAR_AHEAD;
        }
        if (delta <= 0 && timestampMillis > newestTimestampMillis && timestampMillis != Long.MIN_VALUE) {
            // Behind the highest yet signed later than anything accepted: the counter restarted.
            resyncs++;
            java.util.Arrays.fill(bits, 0L);
            restartTimestampMillis = timestampMillis;
            baseline(sequence, timestampMillis);
            return Verdict.RESYNC;
        }
        if (timestampMillis < restartTimestampMillis) {
            // Signed before the counter restarted: a captured frame of the old counter's life, whatever its sequence says.
            duplicates++;
            return Verdict.DUPLICATE;
        }
        if (timestampMillis > newestTimestampMillis) newestTimestampMillis = timestampMillis;
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

    /** Starts the accounting at {@code sequence}: the first frame, or the first after a counter restart. */
    private void baseline(long sequence, long timestampMillis) {
        long missedBefore = countFromZero && sequence < windowSize ? sequence : 0;
        missing += missedBefore;
        base = missedBefore > 0 ? 0 : sequence;
        highest = sequence;
        set(sequence);
        received++;
        assert highest >= 0 : "a baseline is a u32";
        if (timestampMillis > newestTimestampMillis) newestTimestampMillis = timestampMillis;
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

    /** From now on a first frame (or a counter restart) counts nothing below it as missing; see the class comment. */
    public void baselineAtFirstSight() {
        countFromZero = false;
    }

    /** Longs {@link #saveTo} writes for a window of {@code windowSize}. */
    public static int savedLongs(int windowSize) {
        return SAVED_FIELDS + windowSize / 64;
    }

    private static final int SAVED_FIELDS = 12;
    private static final long SAVED_FORMAT = 2;

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
        out[8] = newestTimestampMillis;
        out[9] = restartTimestampMillis;
        out[10] = resyncs;
        out[11] = tooFarAhead;
        System.arraycopy(bits, 0, out, SAVED_FIELDS, bits.length);
    }

    /** Takes the state {@link #saveTo} wrote; false (and nothing changed) when it does not fit this window. */
    public boolean restore(long[] in) {
        if (in.length != savedLongs(windowSize) || in[0] != SAVED_FORMAT) return false;
        if (in[1] < -1 || (in[1] < 0) != (in[2] < 0)) return false;
        for (int i : new int[] {3, 4, 5, 6, 7, 10, 11}) if (in[i] < 0) return false;
        highest = in[1];
        base = in[2];
        received = in[3];
        duplicates = in[4];
        reordered = in[5];
        missing = in[6];
        tooOld = in[7];
        newestTimestampMillis = in[8];
        restartTimestampMillis = in[9];
        resyncs = in[10];
        tooFarAhead = in[11];
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
    /** Counter restarts recognised by a later signed timestamp. */
    public long resyncs() { return resyncs; }
    /** Frames refused for jumping more than {@code maxJumpAhead} beyond the highest. */
    public long tooFarAhead() { return tooFarAhead; }
    /** The latest device timestamp accepted, or {@link Long#MIN_VALUE}. */
    public long newestTimestampMillis() { return newestTimestampMillis; }
    /** How many times the device's counter wrapped past 2^32 - 1 since the last counter restart. */
    public long wraps() { return highest < 0 ? 0 : highest >>> 32; }
}
