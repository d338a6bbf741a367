package dev.storyloop.protocol;

/** The kinds of frame, with their byte on the wire. */
public enum FrameType {
    TELEMETRY(1), COMMAND(2), ACK(3), CREDIT(4);

    private final int code;

    FrameType(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    private static final FrameType[] BY_CODE = {null, TELEMETRY, COMMAND, ACK, CREDIT};

    /** The type for {@code code}, or null when no type has it. */
    public static FrameType ofCode(int code) {
        return code > 0 && code < BY_CODE.length ? BY_CODE[code] : null;
    }
}
