package dev.storyloop.gateway.core;

import dev.storyloop.protocol.DecodeResult;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Why the gateway refused an input; each is a counter and a metric label.
 *
 * <p>The reasons come in the order the core checks them: the topic and the size, then every way a
 * frame can fail to decode (one reason per {@link DecodeResult} other than {@code OK}, taken from
 * the protocol with its name and label, so a new decode failure is counted and named here without
 * an edit), then the gateway's own checks of a decoded frame. Not an enum for that reason: the
 * decode reasons are made from {@link DecodeResult#values()} when the class loads. Each reason has
 * an {@link #ordinal()} (its index in {@link #values()}), so the core counts them in a plain array.
 */
public final class Rejection {
    private static final List<Rejection> VALUES = new ArrayList<>();
    private static final Rejection[] BY_DECODE = new Rejection[DecodeResult.values().length];

    // ---- the topic and the size, before decoding ----
    public static final Rejection OVERSIZED = own("OVERSIZED", "oversized");
    public static final Rejection BAD_TOPIC = own("BAD_TOPIC", "bad-topic");
    public static final Rejection WRONG_KIND = own("WRONG_KIND", "wrong-kind");
    public static final Rejection BAD_STATUS = own("BAD_STATUS", "bad-status");
    /** A status for a device no tagged frame has registered (yet): ignored, since a status carries no tag. */
    public static final Rejection STATUS_UNREGISTERED = own("STATUS_UNREGISTERED", "status-unregistered");

    // ---- decoding: one reason per failed DecodeResult, in the protocol's order ----
    static {
        for (DecodeResult result : DecodeResult.values()) {
            if (result != DecodeResult.OK) BY_DECODE[result.ordinal()] = own(result.name(), result.reason());
        }
    }

    // ---- the gateway's checks of a decoded frame ----
    public static final Rejection ID_MISMATCH = own("ID_MISMATCH", "id-mismatch");
    public static final Rejection WRONG_TYPE = own("WRONG_TYPE", "wrong-type");
    public static final Rejection REPLAY = own("REPLAY", "replay");
    public static final Rejection TOO_OLD = own("TOO_OLD", "too-old");
    public static final Rejection TOO_FAR_AHEAD = own("TOO_FAR_AHEAD", "too-far-ahead");
    public static final Rejection DEVICE_LIMIT = own("DEVICE_LIMIT", "device-limit");
    public static final Rejection INGEST_FULL = own("INGEST_FULL", "ingest-full");
    /** An ACK whose (epoch, correlation id) is not a command this process has outstanding: replayed, late, or another process's. */
    public static final Rejection STALE_ACK = own("STALE_ACK", "stale-ack");

    private static final List<Rejection> ALL = Collections.unmodifiableList(VALUES);

    private final String name;
    private final String label;
    private final int ordinal;

    private Rejection(String name, String label, int ordinal) {
        this.name = name;
        this.label = label;
        this.ordinal = ordinal;
    }

    private static Rejection own(String name, String label) {
        for (Rejection existing : VALUES) {
            // Two reasons with one label would be one Prometheus series counted twice: refuse at class load.
            if (existing.label.equals(label) || existing.name.equals(name)) throw new IllegalStateException("rejection named twice: " + name);
        }
        Rejection rejection = new Rejection(name, label, VALUES.size());
        VALUES.add(rejection);
        return rejection;
    }

    /** Every reason, in the order the core checks them; {@code values().get(r.ordinal()) == r}. */
    public static List<Rejection> values() {
        return ALL;
    }

    /** The reason for a frame that failed to decode with {@code result}. */
    public static Rejection of(DecodeResult result) {
        Rejection rejection = BY_DECODE[result.ordinal()];
        if (rejection == null) throw new IllegalArgumentException("OK is not a rejection");
        return rejection;
    }

    /** A short kebab-case name, the metric label. */
    public String label() {
        return label;
    }

    /** The constant-style name (e.g. {@code BAD_TAG}), as an enum constant would have it. */
    public String name() {
        return name;
    }

    /** This reason's index in {@link #values()}. */
    public int ordinal() {
        return ordinal;
    }

    @Override
    public String toString() {
        return name;
    }
}
