package dev.storyloop.protocol;

/** Device ids: 1 to 64 characters of {@code [A-Za-z0-9_-]}, so they are safe as one MQTT topic level. */
public final class DeviceIds {
    public static final int MAX_LENGTH = 64;

    private DeviceIds() {}

    /** Null when {@code id} is valid, otherwise why not. */
    public static String rejection(CharSequence id) {
        if (id == null || id.length() == 0) return "device id is empty";
        if (id.length() > MAX_LENGTH) return "device id is " + id.length() + " characters long, more than " + MAX_LENGTH;
        for (int i = 0; i < id.length(); i++) {
            if (!isIdChar(id.charAt(i))) return "device id has '" + printable(id.charAt(i)) + "' at " + i + "; only A-Z a-z 0-9 _ - are allowed";
        }
        return null;
    }

    public static boolean isValid(CharSequence id) {
        if (id == null || id.length() == 0 || id.length() > MAX_LENGTH) return false;
        for (int i = 0; i < id.length(); i++) if (!isIdChar(id.charAt(i))) return false;
        return true;
    }

    /** Throws with the reason when {@code id} is not valid; for ids that come from configuration. */
    public static String require(String id) {
        String why = rejection(id);
        if (why != null) throw new IllegalArgumentException(why);
        return id;
    }

    static boolean isIdChar(int c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    }

    private static String printable(char c) {
        return c < 0x20 || c > 0x7e ? String.format("\\u%04x", (int) c) : String.valueOf(c);
    }
}
