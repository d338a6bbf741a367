package dev.storyloop.protocol;

/** The outcome of decoding a frame: {@link #OK}, or why it was rejected (each one a counter somewhere). */
public enum DecodeResult {
    OK("ok"),
    TOO_SHORT("too-short"),
    TOO_LONG("too-long"),
    BAD_MAGIC("bad-magic"),
    UNKNOWN_VERSION("unknown-version"),
    UNKNOWN_TYPE("unknown-type"),
    BAD_DEVICE_ID("bad-device-id"),
    BAD_PAYLOAD_LENGTH("bad-payload-length"),
    BAD_PAYLOAD("bad-payload"),
    UNKNOWN_DEVICE("unknown-device"),
    BAD_TAG("bad-tag");

    private final String reason;

    DecodeResult(String reason) {
        this.reason = reason;
    }

    /** A short kebab-case name, used as a metric label. */
    public String reason() {
        return reason;
    }
}
