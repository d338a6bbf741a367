package dev.storyloop.protocol;

/** How a device answered a command. */
public enum AckStatus {
    OK(0), REJECTED(1), UNKNOWN_COMMAND(2), BAD_ARGUMENT(3), BUSY(4);

    private final int code;

    AckStatus(int code) {
        this.code = code;
    }

    public int code() { return code; }

    private static final AckStatus[] BY_CODE = {OK, REJECTED, UNKNOWN_COMMAND, BAD_ARGUMENT, BUSY};

    public static AckStatus ofCode(int code) {
        return code >= 0 && code < BY_CODE.length ? BY_CODE[code] : null;
    }
}
