package dev.storyloop.protocol;

/**
 * MQTT 3.1.1 topic names and filters (section 4.7), matched without allocating.
 *
 * <ul>
 *   <li>{@code +} matches exactly one level, which may be empty; {@code #} matches any number of
 *       levels including none (so {@code a/#} matches {@code a}) and must be the last level;</li>
 *   <li>a topic whose first level starts with {@code $} is not matched by a filter whose first
 *       level is a wildcard;</li>
 *   <li>levels may be empty: {@code a//b} and {@code /a} are ordinary topics.</li>
 * </ul>
 */
public final class TopicFilter {
    public static final int MAX_BYTES = 65_535;

    private TopicFilter() {}

    /** Null when {@code filter} is a valid subscription filter, otherwise why not. */
    public static String filterRejection(String filter) {
        if (filter == null || filter.isEmpty()) return "topic filter is empty";
        if (filter.length() > MAX_BYTES) return "topic filter is longer than 65535";
        for (int i = 0; i < filter.length(); i++) {
            char c = filter.charAt(i);
            if (c == '\u0000') return "topic filter contains NUL";
            boolean levelStart = i == 0 || filter.charAt(i - 1) == '/';
            boolean levelEnd = i == filter.length() - 1 || filter.charAt(i + 1) == '/';
            if (c == '+' && !(levelStart && levelEnd)) return "'+' must occupy a whole level (at " + i + ")";
            if (c == '#' && !(levelStart && i == filter.length() - 1)) return "'#' must be the last level, alone (at " + i + ")";
        }
        return null;
    }

    /** Null when {@code topic} is a valid topic name to publish to, otherwise why not. */
    public static String topicRejection(String topic) {
        if (topic == null || topic.isEmpty()) return "topic is empty";
        if (topic.length() > MAX_BYTES) return "topic is longer than 65535";
        for (int i = 0; i < topic.length(); i++) {
            char c = topic.charAt(i);
            if (c == '+' || c == '#') return "topic contains the wildcard '" + c + "' (at " + i + ")";
            if (c == '\u0000') return "topic contains NUL";
        }
        return null;
    }

    /** True when the valid {@code filter} matches the valid {@code topic}. */
    public static boolean matches(String filter, String topic) {
        if (!topic.isEmpty() && topic.charAt(0) == '$' && !filter.isEmpty()
                && (filter.charAt(0) == '+' || filter.charAt(0) == '#')) {
            return false;
        }
        int f = 0;
        int t = 0;
        int fLength = filter.length();
        int tLength = topic.length();
        while (true) {
            // At the start of a level in both.
            if (f < fLength && filter.charAt(f) == '#') return true; // the rest, including no level at all
            if (f < fLength && filter.charAt(f) == '+') {
                f++;
                while (t < tLength && topic.charAt(t) != '/') t++;
            } else {
                while (f < fLength && t < tLength && filter.charAt(f) != '/' && topic.charAt(t) != '/') {
                    if (filter.charAt(f) != topic.charAt(t)) return false;
                    f++;
                    t++;
                }
                boolean filterLevelEnded = f == fLength || filter.charAt(f) == '/';
                boolean topicLevelEnded = t == tLength || topic.charAt(t) == '/';
                if (!filterLevelEnded || !topicLevelEnded) return false;
            }
            boolean filterDone = f == fLength;
            boolean topicDone = t == tLength;
            if (filterDone && topicDone) return true;
            if (topicDone) {
                // "a/#" matches "a": the filter may only have "/#" left.
                return f + 2 == fLength && filter.charAt(f) == '/' && filter.charAt(f + 1) == '#';
            }
            if (filterDone) return false;
            f++; // skip '/'
            t++;
        }
    }
}
