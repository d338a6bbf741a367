package dev.storyloop.gateway.core;

import dev.storyloop.protocol.DecodeResult;

/** Why the gateway refused an input; each is a counter and a metric label. */
public enum Rejection {
    OVERSIZED("oversized"),
    BAD_TOPIC("bad-topic"),
    WRONG_KIND("wrong-kind"),
    BAD_STATUS("bad-status"),
    /** A status for a device no tagged frame has registered (yet): ignored, since a status carries no tag. */
    STATUS_UNREGISTERED("status-unregistered"),
    TOO_SHORT("too-short"),
    TOO_LONG("too-long"),
    BAD_MAGIC("bad-magic"),
    UNKNOWN_VERSION("unknown-version"),
    UNKNOWN_TYPE("unknown-type"),
    BAD_DEVICE_ID("bad-device-id"),
    BAD_PAYLOAD_LENGTH("bad-payload-length"),
    BAD_PAYLOAD("bad-payload"),
    UNKNOWN_DEVICE("unknown-device"),
    BAD_TAG("bad-tag"),
    ID_MISMATCH("id-mismatch"),
    WRONG_TYPE("wrong-type"),
    REPLAY("replay"),
    TOO_OLD("too-old"),
    TOO_FAR_AHEAD("too-far-ahead"),
    DEVICE_LIMIT("device-limit"),
    INGEST_FULL("ingest-full"),
    /** An ACK whose (epoch, correlation id) is not a command this process has outstanding: replayed, late, or another process's. */
    STALE_ACK("stale-ack");

    private static final Rejection[] BY_DECODE = new Rejection[DecodeResult.values().length];

    static {
        for (DecodeResult result : DecodeResult.values()) {
            if (result != DecodeResult.OK) BY_DECODE[result.ordinal()] = valueOf(result.name());
        }
    }

    private final String label;

    Rejection(String label) {
        this.label = label;
    }

    /** A short kebab-case name, the metric label. */
    public String label() {
        return label;
    }

    static Rejection of(DecodeResult result) {
        Rejection rejection = BY_DECODE[result.ordinal()];
        if (rejection == null) throw new IllegalArgumentException("OK is not a rejection");
        return rejection;
    }
}
