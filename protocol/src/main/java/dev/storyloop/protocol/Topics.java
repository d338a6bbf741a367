package dev.storyloop.protocol;

/**
 * The topic layout, versioned: {@code storyloop/v1/{deviceId}/{kind}}.
 *
 * <table>
 *   <caption>Topics</caption>
 *   <tr><th>kind</th><th>direction</th><th>QoS</th><th>content</th></tr>
 *   <tr><td>telemetry</td><td>device to gateway</td><td>0 or 1</td><td>TELEMETRY frames</td></tr>
 *   <tr><td>status</td><td>device (and its last will) to all</td><td>1, retained</td><td>UTF-8 "online" / "offline"</td></tr>
 *   <tr><td>cmd</td><td>gateway to device</td><td>1</td><td>COMMAND frames</td></tr>
 *   <tr><td>ack</td><td>device to gateway</td><td>1</td><td>ACK frames</td></tr>
 *   <tr><td>flow</td><td>gateway to device</td><td>1</td><td>CREDIT frames</td></tr>
 * </table>
 */
public final class Topics {
    public static final String ROOT = "storyloop";
    public static final String VERSION = "v1";
    public static final String PREFIX = ROOT + "/" + VERSION + "/";
    public static final String STATUS_ONLINE = "online";
    public static final String STATUS_OFFLINE = "offline";

    /** The last level of a device topic. */
    public enum Kind {
        TELEMETRY("telemetry"), STATUS("status"), CMD("cmd"), ACK("ack"), FLOW("flow");

        private static final Kind[] KINDS = values(); // values() copies its array at every call

        private final String level;

        Kind(String level) {
            this.level = level;
        }

        public String level() {
            return level;
        }

        /** The subscription filter for this kind from every device, e.g. {@code storyloop/v1/+/telemetry}. */
        public String allDevicesFilter() {
            return PREFIX + "+/" + level;
        }

        static Kind ofLevel(String text, int from, int to) {
            for (Kind kind : KINDS) {
                if (kind.level.length() == to - from && text.regionMatches(from, kind.level, 0, kind.level.length())) return kind;
            }
            return null;
        }
    }

    private Topics() {}

    public static String topic(String deviceId, Kind kind) {
        DeviceIds.require(deviceId);
        return PREFIX + deviceId + "/" + kind.level;
    }

    public static String telemetry(String deviceId) { return topic(deviceId, Kind.TELEMETRY); }
    public static String status(String deviceId) { return topic(deviceId, Kind.STATUS); }
    public static String cmd(String deviceId) { return topic(deviceId, Kind.CMD); }
    public static String ack(String deviceId) { return topic(deviceId, Kind.ACK); }
    public static String flow(String deviceId) { return topic(deviceId, Kind.FLOW); }

    /** A parsed device topic, or the reason it is not one. */
    public record Parsed(String deviceId, Kind kind, String rejection) {
        public boolean ok() {
            return rejection == null;
        }
    }

    /**
     * Where the device id level of {@code topic} ends (exclusive; it starts at {@code PREFIX.length()}),
     * or -1 when the topic is not a well-formed device topic. Allocates nothing: the gateway's hot path.
     */
    public static int deviceIdEnd(String topic) {
        if (topic == null || !topic.startsWith(PREFIX)) return -1;
        int end = topic.indexOf('/', PREFIX.length());
        int length = end - PREFIX.length();
        if (end < 0 || length == 0 || length > DeviceIds.MAX_LENGTH) return -1;
        for (int i = PREFIX.length(); i < end; i++) if (!DeviceIds.isIdChar(topic.charAt(i))) return -1;
        return end;
    }

    /** The kind level after a device id ending at {@code idEnd} ({@link #deviceIdEnd}), or null. Allocates nothing. */
    public static Kind kindAfter(String topic, int idEnd) {
        return Kind.ofLevel(topic, idEnd + 1, topic.length());
    }

    /** Splits a topic into device id and kind; anything else is rejected with a reason. */
    public static Parsed parse(String topic) {
        if (topic == null || !topic.startsWith(PREFIX)) return new Parsed(null, null, "not under " + PREFIX);
        int idEnd = topic.indexOf('/', PREFIX.length());
        if (idEnd < 0) return new Parsed(null, null, "no kind level after the device id");
        String deviceId = topic.substring(PREFIX.length(), idEnd);
        String idProblem = DeviceIds.rejection(deviceId);
        if (idProblem != null) return new Parsed(null, null, idProblem);
        Kind kind = Kind.ofLevel(topic, idEnd + 1, topic.length());
        if (kind == null) return new Parsed(deviceId, null, "unknown kind '" + topic.substring(idEnd + 1) + "'");
        return new Parsed(deviceId, kind, null);
    }
}
