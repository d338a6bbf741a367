package dev.storyloop.device.firmware;

import dev.storyloop.device.chan.OverflowPolicy;
import dev.storyloop.protocol.DeviceIds;
import dev.storyloop.protocol.DeviceKeys;

import java.util.Objects;

/**
 * Everything one device's firmware is configured with, validated when built.
 *
 * <p>Durations are nanoseconds of the device's clock (virtual or real). The two story switches,
 * {@link Builder#hmacInline} and {@link Builder#refreshLosesWake}, are off by default: with the
 * defaults the firmware is correct.
 */
public final class FirmwareConfig {
    public static final long MS = 1_000_000L;
    public static final long SECOND = 1_000 * MS;
    public static final long SAMPLE_PERIOD_MIN_NANOS = 100_000L; // 10 kHz: a vibration or current sensor; also what load tests use
    public static final long SAMPLE_PERIOD_MAX_NANOS = 3_600 * SECOND;
    public static final int UPLINK_CAPACITY_MAX = 1 << 16;
    public static final int UPLINK_WINDOW_MAX = 64;

    private final String deviceId;
    private final long seed;
    private final byte[] key;
    private final long samplePeriodNanos;
    private final int qos;
    private final int uplinkCapacity;
    private final OverflowPolicy overflowPolicy;
    private final int uplinkWindow;
    private final long ramBytes;
    private final int keepAliveSeconds;
    private final long connectTimeoutNanos;
    private final long backoffBaseNanos;
    private final long backoffCapNanos;
    private final boolean backoffJitter;
    private final long tokenRefreshPeriodNanos;
    private final long tokenLifetimeNanos;
    private final long hmacFastNanos;
    private final long hmacSourceOfTruthNanos;
    private final int sourceOfTruthOneIn;
    private final boolean hmacInline;
    private final boolean refreshLosesWake;
    private final boolean lastWill;
    private final LoopStyle loopStyle;
    private final boolean requestSigning;
    private final int requestSlots;
    private final long requestTimeoutNanos;
    private final int hmacBudgetPerSecond;
    private final long idleSpinNanos;

    private FirmwareConfig(Builder b) {
        this.deviceId = DeviceIds.require(b.deviceId);
        this.seed = b.seed;
        this.key = b.key != null ? b.key.clone() : DeviceKeys.development(b.deviceId);
        this.samplePeriodNanos = requireRange("sample period", b.samplePeriodNanos, SAMPLE_PERIOD_MIN_NANOS, SAMPLE_PERIOD_MAX_NANOS);
        this.qos = (int) requireRange("qos", b.qos, 0, 1);
        this.uplinkCapacity = (int) requireRange("uplink capacity", b.uplinkCapacity, 1, UPLINK_CAPACITY_MAX);
        this.overflowPolicy = Objects.requireNonNull(b.overflowPolicy, "overflow policy");
        this.uplinkWindow = (int) requireRange("uplink window", b.uplinkWindow, 1, UPLINK_WINDOW_MAX);
        this.ramBytes = requireRange("RAM", b.ramBytes, 1, Long.MAX_VALUE / 4);
        this.keepAliveSeconds = (int) requireRange("keepalive", b.keepAliveSeconds, 1, 65_535);
        this.connectTimeoutNanos = requireRange("connect timeout", b.connectTimeoutNanos, MS, 600 * SECOND);
        this.backoffBaseNanos = requireRange("backoff base", b.backoffBaseNanos, MS, 3_600 * SECOND);
        this.backoffCapNanos = requireRange("backoff cap", b.backoffCapNanos, b.backoffBaseNanos, 3_600 * SECOND);
        this.backoffJitter = b.backoffJitter;
        this.tokenRefreshPeriodNanos = requireRange("token refresh period", b.tokenRefreshPeriodNanos, MS, 24 * 3_600 * SECOND);
        this.tokenLifetimeNanos = requireRange("token lifetime", b.tokenLifetimeNanos, b.tokenRefreshPeriodNanos, 48 * 3_600 * SECOND);
        this.hmacFastNanos = requireRange("HMAC time", b.hmacFastNanos, 0, 60 * SECOND);
        this.hmacSourceOfTruthNanos = requireRange("HMAC source-of-truth time", b.hmacSourceOfTruthNanos, 0, 60 * SECOND);
        this.sourceOfTruthOneIn = (int) requireRange("source-of-truth one-in", b.sourceOfTruthOneIn, 1, 1_000_000);
        this.idleSpinNanos = requireRange("idle spin", b.idleSpinNanos, 0, SECOND);
        this.hmacInline = b.hmacInline;
        this.refreshLosesWake = b.refreshLosesWake;
        this.lastWill = b.lastWill;
        this.loopStyle = Objects.requireNonNull(b.loopStyle, "loop style");
        this.requestSigning = b.requestSigning;
        this.requestSlots = (int) requireRange("request slots", b.requestSlots, 1, 64);
        this.requestTimeoutNanos = requireRange("request timeout", b.requestTimeoutNanos, MS, 600 * SECOND);
        this.hmacBudgetPerSecond = (int) requireRange("HMAC budget per second", b.hmacBudgetPerSecond, 0, 1_000_000);
    }

    private static long requireRange(String what, long value, long min, long max) {
        if (value < min || value > max) {
            throw new IllegalArgumentException(what + " must be in " + min + ".." + max + ", got " + value);
        }
        return value;
    }

    public static Builder builder(String deviceId) {
        return new Builder(deviceId);
    }

    /** A builder holding this config's values, to change a few. */
    public Builder toBuilder() {
        Builder b = new Builder(deviceId);
        b.seed = seed;
        b.key = key;
        b.samplePeriodNanos = samplePeriodNanos;
        b.qos = qos;
        b.uplinkCapacity = uplinkCapacity;
        b.overflowPolicy = overflowPolicy;
        b.uplinkWindow = uplinkWindow;
        b.ramBytes = ramBytes;
        b.keepAliveSeconds = keepAliveSeconds;
        b.idleSpinNanos = idleSpinNanos;
        b.connectTimeoutNanos = connectTimeoutNanos;
        b.backoffBaseNanos = backoffBaseNanos;
        b.backoffCapNanos = backoffCapNanos;
        b.backoffJitter = backoffJitter;
        b.tokenRefreshPeriodNanos = tokenRefreshPeriodNanos;
        b.tokenLifetimeNanos = tokenLifetimeNanos;
        b.hmacFastNanos = hmacFastNanos;
        b.hmacSourceOfTruthNanos = hmacSourceOfTruthNanos;
        b.sourceOfTruthOneIn = sourceOfTruthOneIn;
        b.hmacInline = hmacInline;
        b.refreshLosesWake = refreshLosesWake;
        b.lastWill = lastWill;
        b.loopStyle = loopStyle;
        b.requestSigning = requestSigning;
        b.requestSlots = requestSlots;
        b.requestTimeoutNanos = requestTimeoutNanos;
        b.hmacBudgetPerSecond = hmacBudgetPerSecond;
        return b;
    }

    public String deviceId() { return deviceId; }
    public long seed() { return seed; }
    public byte[] key() { return key.clone(); }
    public long samplePeriodNanos() { return samplePeriodNanos; }
    public int qos() { return qos; }
    public int uplinkCapacity() { return uplinkCapacity; }
    public OverflowPolicy overflowPolicy() { return overflowPolicy; }
    public int uplinkWindow() { return uplinkWindow; }
    public long ramBytes() { return ramBytes; }
    public int keepAliveSeconds() { return keepAliveSeconds; }
    public long idleSpinNanos() { return idleSpinNanos; }
    public long connectTimeoutNanos() { return connectTimeoutNanos; }
    public long backoffBaseNanos() { return backoffBaseNanos; }
    public long backoffCapNanos() { return backoffCapNanos; }
    public boolean backoffJitter() { return backoffJitter; }
    public long tokenRefreshPeriodNanos() { return tokenRefreshPeriodNanos; }
    public long tokenLifetimeNanos() { return tokenLifetimeNanos; }
    public long hmacFastNanos() { return hmacFastNanos; }
    public long hmacSourceOfTruthNanos() { return hmacSourceOfTruthNanos; }
    public int sourceOfTruthOneIn() { return sourceOfTruthOneIn; }
    public boolean hmacInline() { return hmacInline; }
    public boolean refreshLosesWake() { return refreshLosesWake; }
    public boolean lastWill() { return lastWill; }
    public LoopStyle loopStyle() { return loopStyle; }
    public boolean requestSigning() { return requestSigning; }
    public int requestSlots() { return requestSlots; }
    public long requestTimeoutNanos() { return requestTimeoutNanos; }
    /** Signatures per second the HMAC library serves from its cache (0: all of them). */
    public int hmacBudgetPerSecond() { return hmacBudgetPerSecond; }

    /** Defaults: 1 s samples at QoS 1, 64 frames of store-and-forward dropping the oldest, 64 KiB of RAM. */
    public static final class Builder {
        private final String deviceId;
        private long seed = 1;
        private byte[] key;
        private long samplePeriodNanos = SECOND;
        private int qos = 1;
        private int uplinkCapacity = 64;
        private OverflowPolicy overflowPolicy = OverflowPolicy.DROP_OLDEST;
        private int uplinkWindow = 8;
        private long ramBytes = 64 * 1024;
        private int keepAliveSeconds = 10;
        private long connectTimeoutNanos = 10 * SECOND;
        private long backoffBaseNanos = 500 * MS;
        private long backoffCapNanos = 30 * SECOND;
        private boolean backoffJitter = true;
        private long tokenRefreshPeriodNanos = 600 * SECOND;
        private long tokenLifetimeNanos = 900 * SECOND;
        private long hmacFastNanos = 2 * MS;
        private long hmacSourceOfTruthNanos = 40 * MS;
        private int sourceOfTruthOneIn = 8;
        private boolean hmacInline;
        private boolean refreshLosesWake;
        private boolean lastWill = true;
        private LoopStyle loopStyle = LoopStyle.TASKS;
        private boolean requestSigning;
        private int requestSlots = 8;
        private long requestTimeoutNanos = 5 * SECOND;
        private int hmacBudgetPerSecond;
        private long idleSpinNanos = dev.storyloop.device.exec.LoopRunner.SPIN_NANOS_DEFAULT;

        private Builder(String deviceId) {
            this.deviceId = deviceId;
        }

        public Builder seed(long value) { seed = value; return this; }
        /** The device's HMAC key; by default the development fleet's derived key ({@link DeviceKeys#development}). */
        public Builder key(byte[] value) { key = Objects.requireNonNull(value, "key").clone(); return this; }
        public Builder samplePeriodNanos(long value) { samplePeriodNanos = value; return this; }
        public Builder qos(int value) { qos = value; return this; }
        /** Frames the store-and-forward queue holds (reserved from the RAM budget). */
        public Builder uplinkCapacity(int value) { uplinkCapacity = value; return this; }
        public Builder overflowPolicy(OverflowPolicy value) { overflowPolicy = value; return this; }
        /** Frames published and not yet confirmed (QoS 1: PUBACK; QoS 0: written) at once. */
        public Builder uplinkWindow(int value) { uplinkWindow = value; return this; }
        public Builder ramBytes(long value) { ramBytes = value; return this; }
        public Builder keepAliveSeconds(int value) { keepAliveSeconds = value; return this; }
        /**
         * In real time, how long the loop spins after its last work before it parks (0: park at once).
         * A reply within the window (a PUBACK) wakes no thread. Virtual time never idles.
         */
        public Builder idleSpinNanos(long value) { idleSpinNanos = value; return this; }
        public Builder connectTimeoutNanos(long value) { connectTimeoutNanos = value; return this; }
        /** Reconnect delays: attempt n waits up to min(cap, base * 2^n); with jitter, a uniform draw below that. */
        public Builder backoff(long baseNanos, long capNanos, boolean jitter) {
            backoffBaseNanos = baseNanos;
            backoffCapNanos = capNanos;
            backoffJitter = jitter;
            return this;
        }
        public Builder tokenRefresh(long periodNanos, long lifetimeNanos) {
            tokenRefreshPeriodNanos = periodNanos;
            tokenLifetimeNanos = lifetimeNanos;
            return this;
        }
        /** How long the C HMAC library takes: usually {@code fastNanos}, once in {@code oneIn} refreshes (from the source of truth) {@code sourceOfTruthNanos}. */
        public Builder hmacTiming(long fastNanos, long sourceOfTruthNanos, int oneIn) {
            hmacFastNanos = fastNanos;
            hmacSourceOfTruthNanos = sourceOfTruthNanos;
            sourceOfTruthOneIn = oneIn;
            return this;
        }
        /** Story switch: call the synchronous HMAC on the loop thread, stalling every task while it runs. */
        public Builder hmacInline(boolean value) { hmacInline = value; return this; }
        /** Story switch: the refresh future returns Pending without arranging a wake on the source-of-truth path. */
        public Builder refreshLosesWake(boolean value) { refreshLosesWake = value; return this; }
        /**
         * Whether the CONNECT carries the last will (the retained status "offline"); without one, a
         * device that dies without DISCONNECT leaves its retained "online" at the broker.
         */
        public Builder lastWill(boolean value) { lastWill = value; return this; }
        /** Story switch: one task selecting between commands and readings ({@link LoopStyle}). */
        public Builder loopStyle(LoopStyle value) { loopStyle = value; return this; }
        /**
         * Requests: every command except reboot is answered by a task of its own that first signs the
         * response with the HMAC library; at most {@code slots} at once (more are answered BUSY), each
         * abandoned after {@code timeoutNanos}.
         */
        public Builder requestSigning(boolean on, int slots, long timeoutNanos) {
            requestSigning = on;
            requestSlots = slots;
            requestTimeoutNanos = timeoutNanos;
            return this;
        }
        /** The HMAC library serves this many signatures per second from its cache; beyond, it refreshes from the source of truth (0: never). */
        public Builder hmacBudgetPerSecond(int value) { hmacBudgetPerSecond = value; return this; }

        public FirmwareConfig build() {
            return new FirmwareConfig(this);
        }
    }
}
