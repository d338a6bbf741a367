package dev.storyloop.gateway.core;

import dev.storyloop.protocol.AckStatus;
import dev.storyloop.protocol.CommandCode;

/**
 * How a command ended: acknowledged by the device with a status, or timed out.
 *
 * @param ackStatus the device's answer; null when it timed out
 */
public record CommandResult(long correlationId, String deviceId, CommandCode command, int argument, Outcome outcome,
                            AckStatus ackStatus, long sentAtNanos, long completedAtNanos) {
    public enum Outcome { ACKED, TIMED_OUT }

    public long latencyNanos() {
        return completedAtNanos - sentAtNanos;
    }
}
