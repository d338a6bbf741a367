package dev.storyloop.gateway.core;

/**
 * Every registered device in the order of its last authenticated frame (an intrusive list through
 * the records: no allocation, O(1) per frame), so evicting the devices silent for too long walks
 * only those. Unlike {@link SilenceWatch} a device stays in this list while stale or offline: the
 * list is the registry's, and a device leaves it only when it leaves the registry. A status message
 * does not move a device: it carries no tag, so anyone could keep a fake entry alive with it.
 */
final class EvictionWatch {
    private DeviceRecord head;
    private DeviceRecord tail;

    /** The device sent an authenticated frame at {@code nowNanos} (or was just admitted): it moves to the back. */
    void framed(DeviceRecord record, long nowNanos) {
        record.lastFrameNanos = nowNanos;
        if (record.evictWatched) unlink(record);
        record.evictPrev = tail;
        record.evictNext = null;
        if (tail == null) head = record;
        else tail.evictNext = record;
        tail = record;
        record.evictWatched = true;
    }

    /**
     * The longest-silent device that has been silent for more than {@code silenceNanos} and has no
     * command outstanding (its commands time out first, so none is left waiting on a forgotten
     * record), unlinked; null when there is none. Those with a command outstanding are passed over.
     */
    DeviceRecord pollSilent(long nowNanos, long silenceNanos) {
        for (DeviceRecord record = head; record != null && nowNanos - record.lastFrameNanos > silenceNanos; record = record.evictNext) {
            if (record.outstandingCommands > 0) continue;
            unlink(record);
            return record;
        }
        return null;
    }

    void remove(DeviceRecord record) {
        if (record.evictWatched) unlink(record);
    }

    private void unlink(DeviceRecord record) {
        if (record.evictPrev == null) head = record.evictNext;
        else record.evictPrev.evictNext = record.evictNext;
        if (record.evictNext == null) tail = record.evictPrev;
        else record.evictNext.evictPrev = record.evictPrev;
        record.evictPrev = null;
        record.evictNext = null;
        record.evictWatched = false;
    }
}
