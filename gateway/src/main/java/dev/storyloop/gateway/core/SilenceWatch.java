package dev.storyloop.gateway.core;

/**
 * The devices that can still go stale, in the order they were last seen (an intrusive list through
 * the records: no allocation, O(1) per sighting). Since {@code now} never goes backwards, the
 * front holds the longest-silent device, and marking stale walks only the devices that went
 * silent, plus those whose last status is {@code offline} (they are never marked stale and are
 * passed over), instead of the whole registry on every tick.
 */
final class SilenceWatch {
    private DeviceRecord head;
    private DeviceRecord tail;

    /** The device was seen at {@code record.lastSeenNanos}: it moves to the back. */
    void seen(DeviceRecord record) {
        if (record.watched) unlink(record);
        record.watchPrev = tail;
        record.watchNext = null;
        if (tail == null) head = record;
        else tail.watchNext = record;
        tail = record;
        record.watched = true;
    }

    /** Marks stale every watched device silent for more than {@code silenceNanos}, except those last reported offline. */
    void markStale(long nowNanos, long silenceNanos, String offline) {
        DeviceRecord record = head;
        while (record != null && nowNanos - record.lastSeenNanos > silenceNanos) {
            DeviceRecord next = record.watchNext;
            if (!offline.equals(record.status)) {
                record.stale = true;
                record.staleTransitions++;
                unlink(record); // seen again, it is watched again
            }
            record = next;
        }
    }

    /** The device left the registry. */
    void remove(DeviceRecord record) {
        if (record.watched) unlink(record);
    }

    private void unlink(DeviceRecord record) {
        if (record.watchPrev == null) head = record.watchNext;
        else record.watchPrev.watchNext = record.watchNext;
        if (record.watchNext == null) tail = record.watchPrev;
        else record.watchNext.watchPrev = record.watchPrev;
        record.watchPrev = null;
        record.watchNext = null;
        record.watched = false;
    }
}
