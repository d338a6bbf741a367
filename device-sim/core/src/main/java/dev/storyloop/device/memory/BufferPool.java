package dev.storyloop.device.memory;

/**
 * Fixed slabs of {@code slabBytes} each, all allocated at boot; acquiring one never allocates.
 *
 * <p>An exhausted pool answers {@link #NONE} and counts it: running out of buffers is a condition
 * the firmware handles (drop, wait, back off), not a crash.
 */
public final class BufferPool {
    public static final int NONE = -1;

    private final String name;
    private final byte[][] slabs;
    private final int[] free;
    private int freeCount;
    private final boolean[] inUse;
    private long exhausted;
    private int peakInUse;

    public BufferPool(MemoryBudget budget, String name, int slabCount, int slabBytes) {
        if (slabCount <= 0) throw new IllegalArgumentException(name + ": slabCount must be > 0");
        if (slabBytes <= 0) throw new IllegalArgumentException(name + ": slabBytes must be > 0");
        budget.reserve(name, slabCount, slabBytes);
        this.name = name;
        this.slabs = new byte[slabCount][slabBytes];
        this.free = new int[slabCount];
        this.inUse = new boolean[slabCount];
        for (int i = 0; i < slabCount; i++) free[i] = slabCount - 1 - i; // hands out slab 0 first
        this.freeCount = slabCount;
    }

    /** A free slab's index, or {@link #NONE} when all are in use. */
    public int acquire() {
        if (freeCount == 0) {
            exhausted++;
            return NONE;
        }
        int slab = free[--freeCount];
        inUse[slab] = true;
        peakInUse = Math.max(peakInUse, inUse());
        return slab;
    }

    public byte[] slab(int index) {
        if (!inUse[index]) throw new IllegalStateException(name + ": slab " + index + " is not acquired");
        return slabs[index];
    }

    public void release(int index) {
        if (!inUse[index]) throw new IllegalStateException(name + ": slab " + index + " released twice");
        inUse[index] = false;
        free[freeCount++] = index;
    }

    public String name() { return name; }
    public int capacity() { return slabs.length; }
    public int slabBytes() { return slabs[0].length; }
    public int inUse() { return slabs.length - freeCount; }
    public int peakInUse() { return peakInUse; }
    /** How many times {@link #acquire()} found no free slab. */
    public long exhaustedCount() { return exhausted; }
}
