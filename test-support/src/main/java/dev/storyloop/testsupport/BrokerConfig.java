package dev.storyloop.testsupport;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The Mosquitto settings a test asks for: queue and inflight limits, an ACL, users.
 *
 * <p>Immutable; each {@code with…} method returns a copy. The defaults are Mosquitto 2's own
 * ({@code max_inflight_messages 20}, {@code max_queued_messages 1000}), so a test that does not
 * set a limit sees what a user of a stock broker sees, including its silent drops for slow
 * subscribers.
 */
public final class BrokerConfig {
    public static final int MOSQUITTO_DEFAULT_INFLIGHT = 20;
    public static final int MOSQUITTO_DEFAULT_QUEUED = 1000;

    private final int maxInflightMessages;
    private final int maxQueuedMessages;
    private final List<String> aclLines;
    private final List<Map.Entry<String, String>> users; // in the order added, so the file is the same every run
    private final boolean allowAnonymous;
    private final boolean tcpNoDelay;
    private final boolean persistence;

    private BrokerConfig(int maxInflightMessages, int maxQueuedMessages, List<String> aclLines,
                         List<Map.Entry<String, String>> users, boolean allowAnonymous, boolean tcpNoDelay, boolean persistence) {
        if (maxInflightMessages < 0) throw new IllegalArgumentException("maxInflightMessages < 0: " + maxInflightMessages);
        if (maxQueuedMessages < 0) throw new IllegalArgumentException("maxQueuedMessages < 0: " + maxQueuedMessages);
        this.maxInflightMessages = maxInflightMessages;
        this.maxQueuedMessages = maxQueuedMessages;
        this.aclLines = List.copyOf(aclLines);
        this.users = List.copyOf(users);
        this.allowAnonymous = allowAnonymous;
        this.tcpNoDelay = tcpNoDelay;
        this.persistence = persistence;
    }

    public static BrokerConfig defaults() {
        return new BrokerConfig(MOSQUITTO_DEFAULT_INFLIGHT, MOSQUITTO_DEFAULT_QUEUED, List.of(), List.of(), true, false, false);
    }

    /** Per-client QoS 1/2 messages in flight at once; 0 means no limit. */
    public BrokerConfig withMaxInflightMessages(int count) {
        return new BrokerConfig(count, maxQueuedMessages, aclLines, users, allowAnonymous, tcpNoDelay, persistence);
    }

    /** Per-client messages queued beyond the inflight window; 0 means no limit. */
    public BrokerConfig withMaxQueuedMessages(int count) {
        return new BrokerConfig(maxInflightMessages, count, aclLines, users, allowAnonymous, tcpNoDelay, persistence);
    }

    /** The lines of a Mosquitto ACL file ({@code user …}, {@code topic write …}, {@code pattern …}). */
    public BrokerConfig withAcl(List<String> lines) {
        return new BrokerConfig(maxInflightMessages, maxQueuedMessages, lines, users, allowAnonymous, tcpNoDelay, persistence);
    }

    /** Adds a user; with any user present the broker refuses anonymous clients unless told otherwise. */
    public BrokerConfig withUser(String name, String password) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(password, "password");
        if (name.contains(":") || name.isBlank()) throw new IllegalArgumentException("bad user name: '" + name + "'");
        List<Map.Entry<String, String>> next = new ArrayList<>(users);
        next.removeIf(user -> user.getKey().equals(name));
        next.add(Map.entry(name, password));
        return new BrokerConfig(maxInflightMessages, maxQueuedMessages, aclLines, next, false, tcpNoDelay, persistence);
    }

    public BrokerConfig withAllowAnonymous(boolean allow) {
        return new BrokerConfig(maxInflightMessages, maxQueuedMessages, aclLines, users, allow, tcpNoDelay, persistence);
    }

    /** {@code set_tcp_nodelay}: Mosquitto sends small packets at once instead of letting Nagle's algorithm hold them. */
    public BrokerConfig withTcpNoDelay(boolean noDelay) {
        return new BrokerConfig(maxInflightMessages, maxQueuedMessages, aclLines, users, allowAnonymous, noDelay, persistence);
    }

    /**
     * Persistence on, saved only when the broker stops gracefully ({@code autosave_interval} of a day):
     * a test can make sessions survive a later {@code kill()} by restarting the broker once after setting them up.
     */
    public BrokerConfig withPersistence(boolean on) {
        return new BrokerConfig(maxInflightMessages, maxQueuedMessages, aclLines, users, allowAnonymous, tcpNoDelay, on);
    }

    public int maxInflightMessages() { return maxInflightMessages; }
    public int maxQueuedMessages() { return maxQueuedMessages; }
    public boolean hasAcl() { return !aclLines.isEmpty(); }
    public boolean hasUsers() { return !users.isEmpty(); }

    /** True when the test relies on settings only a broker the fixture starts can honour. */
    public boolean needsOwnBroker() {
        return maxInflightMessages != MOSQUITTO_DEFAULT_INFLIGHT || maxQueuedMessages != MOSQUITTO_DEFAULT_QUEUED
                || hasAcl() || hasUsers() || !allowAnonymous || tcpNoDelay || persistence;
    }

    /**
     * Renders mosquitto.conf.
     *
     * @param listener the listener line's arguments, e.g. {@code "18830 127.0.0.1"} or {@code "1883"}
     * @param configDir where the ACL and password files live, as the broker sees that folder
     */
    public String render(String listener, String configDir) {
        return render(listener, configDir, configDir);
    }

    /** As {@link #render(String, String)}, with the persistence database in {@code dataDir}. */
    public String render(String listener, String configDir, String dataDir) {
        StringBuilder conf = new StringBuilder();
        conf.append("# Generated by storyloop's test fixture.\n");
        conf.append("listener ").append(listener).append('\n');
        conf.append("allow_anonymous ").append(allowAnonymous).append('\n');
        if (persistence) {
            conf.append("persistence true\n");
            conf.append("persistence_location ").append(dataDir).append("/\n");
            conf.append("autosave_interval 86400\n");
        } else {
            conf.append("persistence false\n");
        }
        conf.append("log_dest stderr\n");
        conf.append("log_type error\nlog_type warning\nlog_type notice\nlog_type information\n");
        conf.append("connection_messages true\n");
        conf.append("max_inflight_messages ").append(maxInflightMessages).append('\n');
        conf.append("max_queued_messages ").append(maxQueuedMessages).append('\n');
        if (tcpNoDelay) conf.append("set_tcp_nodelay true\n");
        if (hasAcl()) conf.append("acl_file ").append(configDir).append("/acl\n");
        if (hasUsers()) conf.append("password_file ").append(configDir).append("/passwd\n");
        return conf.toString();
    }

    public String aclFile() {
        return String.join("\n", aclLines) + "\n";
    }

    /** Plain-text {@code user:password} lines; the broker's {@code mosquitto_passwd -U} hashes them in place. */
    public String plainPasswordFile() {
        StringBuilder out = new StringBuilder();
        for (Map.Entry<String, String> user : users) out.append(user.getKey()).append(':').append(user.getValue()).append('\n');
        return out.toString();
    }

    @Override
    public String toString() {
        return "BrokerConfig[max_inflight_messages=" + maxInflightMessages + ", max_queued_messages=" + maxQueuedMessages
                + ", acl=" + aclLines.size() + " lines, users=" + users.stream().map(Map.Entry::getKey).toList() + ", allow_anonymous=" + allowAnonymous + ", persistence=" + persistence + "]";
    }
}
