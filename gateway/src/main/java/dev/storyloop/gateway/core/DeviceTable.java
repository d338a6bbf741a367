package dev.storyloop.gateway.core;

/**
 * The registry's index: device records by id, looked up by a region of a topic string without
 * making a String (open addressing, linear probing, sized at boot for the device cap).
 */
final class DeviceTable {
    private final DeviceRecord[] slots;
    private final int mask;
    private int size;

    DeviceTable(int maxDevices) {
        int capacity = Integer.highestOneBit(Math.max(2, maxDevices) * 2 - 1) << 1; // load factor at most 1/2
        this.slots = new DeviceRecord[capacity];
        this.mask = capacity - 1;
    }

    DeviceRecord get(CharSequence text, int from, int to) {
        for (int i = hash(text, from, to) & mask; ; i = (i + 1) & mask) {
            DeviceRecord record = slots[i];
            if (record == null) return null;
            if (sameId(record.id, text, from, to)) return record;
        }
    }

    DeviceRecord get(String id) {
        return get(id, 0, id.length());
    }

    void put(DeviceRecord record) {
        if (size * 2 >= slots.length) throw new IllegalStateException("device table full: the registry cap is enforced before this");
        for (int i = hash(record.id, 0, record.id.length()) & mask; ; i = (i + 1) & mask) {
            if (slots[i] == null) {
                slots[i] = record;
                size++;
                return;
            }
            if (slots[i].id.equals(record.id)) throw new IllegalStateException("device '" + record.id + "' is already registered");
        }
    }

    /** Removes {@code record}; the probe chains behind it shift back, so every lookup still finds its record. */
    void remove(DeviceRecord record) {
        int i = hash(record.id, 0, record.id.length()) & mask;
        while (slots[i] != record) {
            if (slots[i] == null) throw new IllegalStateException("device '" + record.id + "' is not registered");
            i = (i + 1) & mask;
        }
        slots[i] = null;
        size--;
        // Backward-shift deletion: move up every later record of the run whose home slot does not lie in (i, j].
        for (int j = (i + 1) & mask; slots[j] != null; j = (j + 1) & mask) {
            int home = hash(slots[j].id, 0, slots[j].id.length()) & mask;
            boolean homeBetween = i <= j ? (i < home && home <= j) : (i < home || home <= j);
            if (!homeBetween) {
                slots[i] = slots[j];
                slots[j] = null;
                i = j;
            }
        }
    }

    int size() {
        return size;
    }

    private static int hash(CharSequence text, int from, int to) {
        int h = 0;
        for (int i = from; i < to; i++) h = 31 * h + text.charAt(i);
        return h ^ (h >>> 16);
    }

    private static boolean sameId(String id, CharSequence text, int from, int to) {
        if (id.length() != to - from) return false;
        for (int i = 0; i < id.length(); i++) if (id.charAt(i) != text.charAt(from + i)) return false;
        return true;
    }
}
