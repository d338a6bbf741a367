package dev.storyloop.device.exec;

/** The task pool is full: the device reserved fewer task slots at boot than it now needs. */
public final class SpawnError extends IllegalStateException {
    public SpawnError(String message) {
        super(message);
    }
}
