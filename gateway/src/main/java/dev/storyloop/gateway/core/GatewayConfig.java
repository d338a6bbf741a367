package dev.storyloop.gateway.core;

import dev.storyloop.protocol.FrameCodec;

/**
 * The gateway core's limits and policies; every bound it keeps is here.
 *
 * @param maxDevices            devices the registry holds; frames from more are rejected ({@link Rejection#DEVICE_LIMIT})
 * @param historyPerDevice      recent readings kept per device (a ring)
 * @param replayWindow          sequence numbers remembered per device for duplicate and reorder detection (power of two)
 * @param samplePeriodNanos     the period devices are expected to report at
 * @param stalePeriods          a device silent for this many periods is stale
 * @param maxOutstandingPerDevice commands awaiting an ack per device; more are refused, not queued
 * @param commandTimeoutNanos   how long a command waits for its ack
 * @param ingestCapacity        frames waiting to be processed; more are rejected ({@link Rejection#INGEST_FULL})
 * @param flow                  flow-control policy
 * @param epoch                 this gateway process's epoch (u32), carried in every COMMAND and echoed by its ACK, so
 *                              command ids never repeat across processes; {@link #EPOCH_UNSET}: the shell picks one at start
 * @param maxJumpAhead          how far beyond a device's highest sequence a frame may jump; further is refused
 *                              ({@link Rejection#TOO_FAR_AHEAD})
 * @param evictAfterNanos       a device sending no authenticated frame for this long leaves the registry (counted), so
 *                              a registry filled by devices that came once cannot lock out new ones
 */
public record GatewayConfig(int maxDevices, int historyPerDevice, int replayWindow, long samplePeriodNanos, int stalePeriods,
                            int maxOutstandingPerDevice, long commandTimeoutNanos, int ingestCapacity, Flow flow, long epoch,
                            long maxJumpAhead, long evictAfterNanos) {
    public static final long SECOND = 1_000_000_000L;
    public static final int MAX_PAYLOAD_BYTES = FrameCodec.MAX_FRAME_BYTES;
    /** The epoch of a config whose shell has not picked one yet (see {@code GatewayApp}). */
    public static final long EPOCH_UNSET = 0;
    /** 2^20 frames: at 10 frames/s, a device may lose 29 hours of frames in a row and still be accepted. */
    public static final long MAX_JUMP_AHEAD_DEFAULT = 1L << 20;
    public static final long HOUR = 3_600 * SECOND;

    /**
     * Flow control: above {@code highWatermark} frames of backlog the gateway tells every online
     * device to slow to {@code throttledRateMilliHz} (0: stop sending: no credit); at or below
     * {@code lowWatermark} it lifts the limit. Off: the gateway never asks devices to slow down.
     */
    public record Flow(boolean enabled, int highWatermark, int lowWatermark, long throttledRateMilliHz) {
        public Flow {
            if (lowWatermark < 0 || highWatermark <= lowWatermark) throw new IllegalArgumentException("flow watermarks need 0 <= low < high");
            if (throttledRateMilliHz < 0) throw new IllegalArgumentException("throttled rate must be >= 0");
        }

        public static Flow off() {
            return new Flow(false, 2, 1, 0);
        }
    }

    public GatewayConfig {
        if (maxDevices <= 0) throw new IllegalArgumentException("maxDevices must be > 0");
        if (historyPerDevice <= 0) throw new IllegalArgumentException("historyPerDevice must be > 0");
        if (replayWindow < 64 || Integer.bitCount(replayWindow) != 1) throw new IllegalArgumentException("replayWindow must be a power of two >= 64");
        if (samplePeriodNanos <= 0) throw new IllegalArgumentException("samplePeriodNanos must be > 0");
        if (stalePeriods <= 0) throw new IllegalArgumentException("stalePeriods must be > 0");
        if (maxOutstandingPerDevice <= 0) throw new IllegalArgumentException("maxOutstandingPerDevice must be > 0");
        if (commandTimeoutNanos <= 0) throw new IllegalArgumentException("commandTimeoutNanos must be > 0");
        if (ingestCapacity <= 0) throw new IllegalArgumentException("ingestCapacity must be > 0");
        if (flow.enabled() && flow.highWatermark() > ingestCapacity) throw new IllegalArgumentException("the high watermark is above the ingest capacity");
        if (epoch < 0 || epoch > 0xFFFF_FFFFL) throw new IllegalArgumentException("epoch must be a u32");
        if (maxJumpAhead < replayWindow || maxJumpAhead > SequenceWindow.MAX_JUMP_AHEAD_LIMIT) {
            throw new IllegalArgumentException("maxJumpAhead must be in [replayWindow, 2^31 - 1]");
        }
        if (evictAfterNanos <= commandTimeoutNanos) throw new IllegalArgumentException("evictAfterNanos must be above the command timeout");
    }

    /**
     * 10,000 devices, 32 readings each, 1 s periods, stale after 3, 8 commands of 5 s each, 65,536 frames of backlog,
     * flow control at 50 % / 12.5 %, the epoch left to the shell, jumps up to 2^20, eviction after 24 h of silence.
     */
    public static GatewayConfig defaults() {
        return new GatewayConfig(10_000, 32, 1024, SECOND, 3, 8, 5 * SECOND, 65_536, new Flow(true, 32_768, 8_192, 0), EPOCH_UNSET,
                MAX_JUMP_AHEAD_DEFAULT, 24 * HOUR);
    }

    public GatewayConfig withMaxDevices(int n) { return new GatewayConfig(n, historyPerDevice, replayWindow, samplePeriodNanos, stalePeriods, maxOutstandingPerDevice, commandTimeoutNanos, ingestCapacity, flow, epoch, maxJumpAhead, evictAfterNanos); }
    public GatewayConfig withHistory(int n) { return new GatewayConfig(maxDevices, n, replayWindow, samplePeriodNanos, stalePeriods, maxOutstandingPerDevice, commandTimeoutNanos, ingestCapacity, flow, epoch, maxJumpAhead, evictAfterNanos); }
    public GatewayConfig withStale(long periodNanos, int periods) { return new GatewayConfig(maxDevices, historyPerDevice, replayWindow, periodNanos, periods, maxOutstandingPerDevice, commandTimeoutNanos, ingestCapacity, flow, epoch, maxJumpAhead, evictAfterNanos); }
    public GatewayConfig withCommands(int outstanding, long timeoutNanos) { return new GatewayConfig(maxDevices, historyPerDevice, replayWindow, samplePeriodNanos, stalePeriods, outstanding, timeoutNanos, ingestCapacity, flow, epoch, maxJumpAhead, evictAfterNanos); }
    public GatewayConfig withIngest(int capacity, Flow nextFlow) { return new GatewayConfig(maxDevices, historyPerDevice, replayWindow, samplePeriodNanos, stalePeriods, maxOutstandingPerDevice, commandTimeoutNanos, capacity, nextFlow, epoch, maxJumpAhead, evictAfterNanos); }
    public GatewayConfig withEpoch(long e) { return new GatewayConfig(maxDevices, historyPerDevice, replayWindow, samplePeriodNanos, stalePeriods, maxOutstandingPerDevice, commandTimeoutNanos, ingestCapacity, flow, e, maxJumpAhead, evictAfterNanos); }
    public GatewayConfig withMaxJumpAhead(long n) { return new GatewayConfig(maxDevices, historyPerDevice, replayWindow, samplePeriodNanos, stalePeriods, maxOutstandingPerDevice, commandTimeoutNanos, ingestCapacity, flow, epoch, n, evictAfterNanos); }
    public GatewayConfig withEvictAfter(long nanos) { return new GatewayConfig(maxDevices, historyPerDevice, replayWindow, samplePeriodNanos, stalePeriods, maxOutstandingPerDevice, commandTimeoutNanos, ingestCapacity, flow, epoch, maxJumpAhead, nanos); }
}
