package dev.storyloop.protocol;

/** Commands the gateway can send a device; the argument's meaning depends on the command. */
public enum CommandCode {
    /** Argument: the new sample period in milliseconds. */
    SET_SAMPLE_PERIOD(1),
    /** Argument: 0 block, 1 drop-oldest, 2 drop-newest. */
    SET_OVERFLOW_POLICY(2),
    /** Argument: how many times to blink the LED. */
    BLINK(3),
    /** Argument: unused (0). */
    REBOOT(4);

    private final int code;

    CommandCode(int code) {
        this.code = code;
    }

    public int code() { return code; }

    private static final CommandCode[] BY_CODE = {null, SET_SAMPLE_PERIOD, SET_OVERFLOW_POLICY, BLINK, REBOOT};

    /** The command written {@code set-sample-period}, {@code set-overflow-policy}, {@code blink}, {@code reboot} (any case, '-' or '_'), or null. */
    public static CommandCode ofName(String name) {
        if (name == null) return null;
        String normalized = name.trim().toUpperCase(java.util.Locale.ROOT).replace('-', '_');
        for (CommandCode command : values()) if (command.name().equals(normalized)) return command;
        return null;
    }

    public static CommandCode ofCode(int code) {
        return code > 0 && code < BY_CODE.length ? BY_CODE[code] : null;
    }
}
