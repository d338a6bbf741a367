package dev.storyloop.device.time;

/** Thrown when a timer is armed into a full {@link TimerQueue}: the device was sized too small at boot. */
public final class TimerQueueFullException extends IllegalStateException {
    public TimerQueueFullException(String message) {
        super(message);
    }
}
