package dev.storyloop.device.exec;

/**
 * What {@link Future#poll(Context)} says: done, or not yet.
 *
 * <p>An enum rather than a value wrapper, so polling never allocates; a ready future hands its
 * value out through {@link Future#output()}.
 */
public enum Poll {
    READY,
    PENDING;

    public boolean isReady() {
        return this == READY;
    }
}
