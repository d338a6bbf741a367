package dev.storyloop.device.sim;

import dev.storyloop.protocol.TopicFilter;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Objects;
import java.util.TreeMap;

/**
 * A model of an MQTT 3.1.1 broker with Mosquitto's behaviour, driven by calls that carry {@code now}.
 *
 * <p>Sans-IO: packets arrive as method calls (after the simulated uplink delivered them) and
 * leave as entries of its {@link Outbox}, which the caller drains after each call (the world puts
 * them on the simulated downlinks); the broker never calls out. No threads, no clock, and
 * every collection that is iterated has a defined order (clients by id; filters, subscribers and
 * in-flight messages in the order they were made; the hash index is only looked up), so a run is
 * a function of its inputs. Routing looks a topic up among literal filters and tries only the
 * wildcard filters, so a fleet of devices each subscribed to its own command topic costs one
 * lookup per message, not one match per device.
 *
 * <p>Modelled, and checked against Mosquitto {@value KeepaliveCheck#MOSQUITTO_VERSION} by the
 * differential tests listed in device-sim/README.md: clean and persistent sessions; QoS 0 and 1,
 * and a QoS 2 subscription granted QoS 2 (nothing here publishes at QoS 2, so what it receives is QoS
 * 0 or 1); retained messages in Mosquitto's order (an empty payload clears one, see
 * {@link RetainedTree}); last wills on abnormal disconnect; keepalive expiry as Mosquitto 2.0 checks it
 * or as the specification words it ({@link KeepaliveCheck}); session takeover, where the old
 * connection's will is published unless both connections are persistent; a malformed SUBSCRIBE or a
 * PUBLISH to a topic holding a wildcard closes the connection (and publishes the will); per-client
 * {@code max_inflight_messages} and {@code max_queued_messages} with Mosquitto's silent drop beyond the
 * queue; a crash that loses everything without persistence. Not modelled: QoS 2 delivery, message
 * expiry, MQTT 5.
 */
public final class SimBroker {
    private static final int PACKET_ID_MAX = 65_535;
    private static final int SUBACK_FAILURE = 0x80;

    private final BrokerLimits limits;
    private final KeepaliveCheck keepaliveCheck;
    private final Outbox outbox = new Outbox();
    private long walkBaseSecond; // the broker's second when it (re)started: Mosquitto's keepalive walks count from it
    private final TreeMap<String, Session> sessions = new TreeMap<>(); // iterated: in client id order
    // The same sessions for lookups (every packet looks its sender up; a fleet's ids share long
    // prefixes, which make the tree's string comparisons costly); never iterated.
    private final HashMap<String, Session> sessionsById = new HashMap<>();
    // Connected sessions with a keepalive, in buckets by the deadline they were filed under (Mosquitto's
    // walks put many sessions under one deadline, so there are few buckets: a fleet files and refiles in
    // a small map instead of a tree of every session). Activity only moves a deadline later, so a filed
    // deadline is a lower bound: it is brought up to date when it reaches the front, and the front is
    // then the exact earliest deadline (no scan of every session per turn). An entry whose session was
    // filed elsewhere since (or expired) is stale: skipped and dropped when its bucket reaches the front.
    // Entries come from connects and from refiles at the front, one each, so they are bounded by those.
    private final TreeMap<Long, ArrayDeque<Session>> keepAliveDue = new TreeMap<>();
    private long keepAliveFrontDeadline = -1; // the first bucket's deadline while it is known; -1: ask the map
    private ArrayDeque<Session> keepAliveFront;
    private long keepAliveLastDeadline = -1; // the bucket filed into last (most files go to the latest deadline)
    private ArrayDeque<Session> keepAliveLast;
    // Emptied buckets, kept for the next deadlines (Mosquitto's walks make one every 6 s): at most
    // SPARE_BUCKETS_MAX, each as large as the most sessions it once held, so at most that many times the
    // client count in references.
    private final ArrayDeque<ArrayDeque<Session>> spareBuckets = new ArrayDeque<>();
    private static final int SPARE_BUCKETS_MAX = 16;
    private final RetainedTree retained = new RetainedTree();
    // The subscription index: literal filters are looked up by topic, wildcard filters tried in order.
    private final HashMap<String, FilterEntry> filters = new HashMap<>(); // lookups only, never iterated
    private final ArrayList<FilterEntry> wildcardFilters = new ArrayList<>();
    private final ArrayList<Session> matched = new ArrayList<>();
    private long routeEpoch;
    // Bumped when a filter enters or leaves the index: the routes cached on sessions are then found again.
    private long filtersVersion;
    private static final FilterEntry[] NO_ENTRIES = {};
    private final ArrayList<FilterEntry> entriesScratch = new ArrayList<>();
    private final BrokerStats stats = new BrokerStats();
    private boolean running = true;

    private static final class FilterEntry {
        final String filter;
        final boolean wildcard;
        final LinkedHashMap<Session, Integer> subscribers = new LinkedHashMap<>();
        // The same sessions in the same (subscription) order, walked by index when routing: the map's
        // iterator is an object per walk, which only a fully compiled JIT removes.
        final ArrayList<Session> inOrder = new ArrayList<>();

        FilterEntry(String filter) {
            this.filter = filter;
            this.wildcard = filter.indexOf('+') >= 0 || filter.indexOf('#') >= 0;
        }
    }

    private static final class Session {
        final String clientId;
        final boolean clean;
        final LinkedHashMap<String, Integer> subscriptions = new LinkedHashMap<>();
        final InflightWindow inflight;
        final ArrayDeque<Message> queue = new ArrayDeque<>();
        boolean connected;
        int keepAliveSeconds;
        long lastSeenNanos;
        Message will;
        int lastPacketId;
        long routeEpoch;      // routing scratch: the publish this session was last matched for
        String routeFilter;   // ... and the filter that won for it
        long filedDeadlineNanos = -1; // the keepAliveDue bucket its valid entry is in; -1 when it is in none
        long expiredAtNanos;          // the keepalive walk that found it lapsed
        String lastValidTopic;        // the last topic this client published to that passed the check
        String routeTopic;            // the last topic it published to, and the filters that topic reaches ...
        FilterEntry[] routeEntries;
        long routeVersion;            // ... while the index has had the same filters (filtersVersion)
        boolean indexed;              // it is the session sessionsById holds for its client id
        Port port;                    // the caller's connection its last CONNECT came by (null: not given)

        Session(String clientId, boolean clean, int maxInflight) {
            this.clientId = clientId;
            this.clean = clean;
            this.inflight = new InflightWindow(maxInflight);
        }

        int nextPacketId() {
            do {
                lastPacketId = lastPacketId == PACKET_ID_MAX ? 1 : lastPacketId + 1;
            } while (inflight.contains(lastPacketId));
            return lastPacketId;
        }
    }

    /**
     * A client's connection as the broker's caller knows it: handed in with each packet that came
     * by it, and handed back with each packet the broker writes while the client's last CONNECT
     * came by it ({@link Outbox#port}). The broker finds the session from the port, and the caller
     * its connection from the outbox, without looking either up by client id. A caller's connection
     * extends it; the broker trusts nothing on it it did not check.
     */
    public static class Port {
        private Session session; // the session this port's client id last led to (used only while still indexed)
    }

    /** Mosquitto's keepalive check with its whole seconds starting at time zero. */
    public SimBroker(BrokerLimits limits) {
        this(limits, new KeepaliveCheck(KeepaliveCheck.Mode.MOSQUITTO_2_0, 0));
    }

    /** A broker started at time zero that notices lapsed keepalives by {@code keepaliveCheck}. */
    public SimBroker(BrokerLimits limits, KeepaliveCheck keepaliveCheck) {
        this.limits = Objects.requireNonNull(limits, "limits");
        this.keepaliveCheck = Objects.requireNonNull(keepaliveCheck, "keepaliveCheck");
        this.walkBaseSecond = keepaliveCheck.second(0);
    }

    /** What the broker wrote since its owner last drained it, in order. */
    public Outbox outbox() {
        return outbox;
    }

    /**
     * The client's socket could not take a PUBLISH from the {@link #outbox()} (its outgoing buffer is
     * full, or its connection is already gone): a QoS 0 copy, counted delivered when written, is
     * dropped instead; a QoS 1 copy stays in flight and is resent when the client reconnects.
     */
    public void publishRefused(String clientId, int packetId) {
        if (packetId != 0) return;
        assert stats.delivered > 0 : "a refused copy was never counted";
        stats.delivered--;
        stats.drop(DropReason.OUTGOING_BUFFER_FULL, 1);
    }

    private void send(Session session, Packet.Type type, int arg, Object ref) {
        outbox.add(session.clientId, session.port, type, arg, ref);
    }

    public KeepaliveCheck keepaliveCheck() {
        return keepaliveCheck;
    }

    // ---- packets from clients ---------------------------------------------------------------

    /**
     * A packet from {@code clientId}'s connection, given flat (see {@link Packet}): what the world's
     * network calls when an uplink delivers. Returns false only for a CONNECT the broker did not take
     * (it is down); every other packet returns true.
     */
    public boolean receive(long now, String clientId, Packet.Type type, int arg, Object ref) {
        return receive(now, null, clientId, type, arg, ref);
    }

    /** A packet from {@code clientId}'s connection {@code port} (null: the caller keeps none); see {@link Port}. */
    public boolean receive(long now, Port port, String clientId, Packet.Type type, int arg, Object ref) {
        if (type == Packet.Type.CONNECT) return connect(now, port, clientId, (arg & 1) != 0, arg >>> 1, (Message) ref);
        Session session = connectedSession(port, clientId);
        switch (type) {
            case PUBLISH: publish(now, session, (Message) ref, Packet.publishId(arg)); return true;
            case PUBACK: puback(now, session, arg); return true;
            case SUBSCRIBE: subscribe(now, session, (String) ref, arg); return true;
            case PINGREQ: pingreq(now, session); return true;
            case DISCONNECT: disconnect(session); return true;
            default: throw new IllegalArgumentException(type + " from client " + clientId + ": only the broker sends it");
        }
    }

    /** A packet from {@code clientId}'s connection, as a value. */
    public boolean receive(long now, String clientId, Packet packet) {
        return receive(now, clientId, packet.type(), packet.flatArg(), packet.flatRef());
    }

    /** CONNECT. {@code will} may be null. Returns false (and answers nothing) while the broker is down. */
    public boolean connect(long now, String clientId, boolean cleanSession, int keepAliveSeconds, Message will) {
        return connect(now, null, clientId, cleanSession, keepAliveSeconds, will);
    }

    private boolean connect(long now, Port port, String clientId, boolean cleanSession, int keepAliveSeconds, Message will) {
        if (!running) return false;
        Session existing = sessionsById.get(clientId);
        if (existing != null && existing.connected) {
            // Mosquitto publishes the old connection's will only when one of the two sessions is clean;
            // a persistent session taken over by a persistent connection carries on, and its will is cleared.
            if (!existing.clean && !cleanSession) existing.will = null;
            send(existing, Packet.Type.CLOSE, 1, "taken over by a new connection");
            lost(existing, now);
            existing = sessionsById.get(clientId); // a clean session ended with the old connection
        }
        boolean sessionPresent = false;
        Session session;
        if (cleanSession || existing == null) {
            if (existing != null) endSession(existing);
            session = new Session(clientId, cleanSession, limits.maxInflightMessages());
            sessions.put(clientId, session);
            sessionsById.put(clientId, session);
            session.indexed = true;
        } else {
            session = existing;
            sessionPresent = true;
        }
        session.connected = true;
        session.port = port;
        if (port != null) port.session = session;
        session.keepAliveSeconds = keepAliveSeconds;
        session.lastSeenNanos = now;
        session.will = will;
        fileKeepAlive(session); // a shorter keepalive can move the deadline earlier
        send(session, Packet.Type.CONNACK, sessionPresent ? 1 : 0, null);
        if (sessionPresent) {
            for (int i = 0; i < session.inflight.size(); i++) {
                send(session, Packet.Type.PUBLISH, Packet.publishArg(session.inflight.idAt(i), true), session.inflight.messageAt(i));
            }
            fillInflight(session, now);
        }
        return true;
    }

    /** PUBLISH from a client; QoS 1 is acknowledged at once, as Mosquitto does. */
    public void publish(long now, String clientId, Message message, int packetId) {
        publish(now, connectedSession(null, clientId), message, packetId);
    }

    private void publish(long now, Session from, Message message, int packetId) {
        stats.clientPublishes++;
        if (from == null) {
            stats.publishesWithoutConnection++; // counted, never routed
            return;
        }
        from.lastSeenNanos = now;
        // A client publishes to a few topics, each usually the same String: checked once per string.
        String topic = message.topic();
        if (topic != from.lastValidTopic) {
            String rejection = TopicFilter.topicRejection(topic);
            if (rejection != null) {
                malformed(from, "malformed PUBLISH: " + rejection, now); // Mosquitto answers a protocol error by closing
                return;
            }
            from.lastValidTopic = topic;
        }
        if (message.qos() == 1) send(from, Packet.Type.PUBACK, packetId, null);
        route(message, from, now);
    }

    /**
     * SUBSCRIBE to one filter; retained messages that match are sent at once. The QoS asked for is
     * granted, 2 included; an invalid filter or a QoS above 2 makes the packet malformed, and Mosquitto
     * closes the connection rather than answering with a failure code.
     */
    public void subscribe(long now, String clientId, String filter, int qos) {
        subscribe(now, connectedSession(null, clientId), filter, qos);
    }

    private void subscribe(long now, Session session, String filter, int qos) {
        if (session == null) return;
        session.lastSeenNanos = now;
        String rejection = TopicFilter.filterRejection(filter);
        if (rejection == null && (qos < 0 || qos > 2)) rejection = "QoS " + qos + " is not 0, 1 or 2";
        if (rejection != null) {
            malformed(session, "malformed SUBSCRIBE: " + rejection, now);
            return;
        }
        int granted = qos;
        session.subscriptions.put(filter, granted);
        FilterEntry entry = filters.get(filter);
        if (entry == null) {
            entry = new FilterEntry(filter);
            filters.put(filter, entry);
            if (entry.wildcard) wildcardFilters.add(entry);
            filtersVersion++;
        }
        if (entry.subscribers.put(session, granted) == null) entry.inOrder.add(session);
        send(session, Packet.Type.SUBACK, granted, null);
        Session subscriber = session;
        retained.search(filter, kept -> {
            stats.retainedSent++;
            deliver(subscriber, new Message(kept.topic(), kept.payload(), Math.min(kept.qos(), granted), true), now);
        });
    }

    /** A packet Mosquitto cannot accept: the connection is closed without DISCONNECT, so the will goes out. */
    private void malformed(Session session, String reason, long now) {
        stats.malformedPackets++;
        send(session, Packet.Type.CLOSE, 0, reason);
        lost(session, now);
    }

    public void unsubscribe(long now, String clientId, String filter) {
        Session session = connectedSession(null, clientId);
        if (session == null) return;
        session.lastSeenNanos = now;
        if (session.subscriptions.remove(filter) != null) unindex(session, filter);
    }

    private void unindex(Session session, String filter) {
        FilterEntry entry = filters.get(filter);
        if (entry == null) return;
        if (entry.subscribers.remove(session) != null) entry.inOrder.remove(session);
        assert entry.inOrder.size() == entry.subscribers.size() : "subscriber list out of step for " + filter;
        if (entry.subscribers.isEmpty()) {
            filters.remove(filter);
            if (entry.wildcard) wildcardFilters.remove(entry);
            filtersVersion++;
        }
    }

    /** PUBACK from a subscriber for a QoS 1 message the broker sent. */
    public void puback(long now, String clientId, int packetId) {
        puback(now, connectedSession(null, clientId), packetId);
    }

    private void puback(long now, Session session, int packetId) {
        if (session == null) return;
        session.lastSeenNanos = now;
        if (session.inflight.remove(packetId) == null) return; // unknown id: ignored, as Mosquitto does
        stats.delivered++;
        fillInflight(session, now);
    }

    public void pingreq(long now, String clientId) {
        pingreq(now, connectedSession(null, clientId));
    }

    private void pingreq(long now, Session session) {
        if (session == null) return;
        session.lastSeenNanos = now;
        send(session, Packet.Type.PINGRESP, 0, null);
    }

    /** DISCONNECT: a clean goodbye, so the will is discarded. */
    public void disconnect(long now, String clientId) {
        disconnect(connectedSession(null, clientId));
    }

    private void disconnect(Session session) {
        if (session == null) return;
        session.will = null;
        gone(session);
    }

    /** The connection broke without DISCONNECT (the socket died): the will is published. */
    public void connectionLost(long now, String clientId) {
        Session session = connectedSession(null, clientId);
        if (session != null) lost(session, now);
    }

    /** Closes connections whose keepalive lapsed (as {@link KeepaliveCheck} decides), publishing their wills, in client id order. */
    public void tick(long now) {
        if (!running) return;
        List<Session> expired = new ArrayList<>();
        while (nextKeepAliveDeadlineNanos() <= now) {
            Session due = keepAliveFront.pollFirst(); // the front's first entry, exact: see nextKeepAliveDeadlineNanos
            due.expiredAtNanos = due.filedDeadlineNanos;
            due.filedDeadlineNanos = -1;
            expired.add(due);
        }
        expired.sort(Comparator.comparing((Session s) -> s.clientId));
        for (Session session : expired) {
            stats.keepaliveCloses++;
            send(session, Packet.Type.CLOSE, 0, "keepalive expired");
            lost(session, now, session.expiredAtNanos);
        }
    }

    /**
     * The earliest time a keepalive can lapse, for the world's scheduler; {@link Long#MAX_VALUE} when none.
     * On return the front bucket's first entry is a session whose keepalive lapses then.
     */
    public long nextKeepAliveDeadlineNanos() {
        while (true) {
            if (keepAliveFrontDeadline < 0) {
                if (keepAliveDue.isEmpty()) return Long.MAX_VALUE;
                keepAliveFrontDeadline = keepAliveDue.firstKey();
                keepAliveFront = keepAliveDue.get(keepAliveFrontDeadline);
            }
            Session first = keepAliveFront.peekFirst();
            if (first == null) {
                dropFrontBucket();
                continue;
            }
            if (first.filedDeadlineNanos != keepAliveFrontDeadline) {
                keepAliveFront.pollFirst(); // stale: the session is filed elsewhere, or not at all
                continue;
            }
            long actual = keepAliveDeadline(first);
            if (actual == keepAliveFrontDeadline) return actual;
            keepAliveFront.pollFirst();
            first.filedDeadlineNanos = -1;
            fileKeepAlive(first); // it was active since it was filed, or it is gone
        }
    }

    /** Files (or refiles, or takes out) a session in {@link #keepAliveDue} under its current deadline. */
    private void fileKeepAlive(Session session) {
        long deadline = keepAliveDeadline(session);
        if (deadline == session.filedDeadlineNanos) return; // already filed there
        if (deadline == Long.MAX_VALUE) {
            session.filedDeadlineNanos = -1; // its entry, if any, is now stale
            return;
        }
        session.filedDeadlineNanos = deadline;
        ArrayDeque<Session> bucket;
        if (deadline == keepAliveLastDeadline) {
            bucket = keepAliveLast;
        } else {
            bucket = keepAliveDue.get(deadline);
            if (bucket == null) {
                bucket = spareBuckets.isEmpty() ? new ArrayDeque<>() : spareBuckets.pollFirst();
                keepAliveDue.put(deadline, bucket);
                if (deadline < keepAliveFrontDeadline) keepAliveFrontDeadline = -1; // a new front
            }
            keepAliveLastDeadline = deadline;
            keepAliveLast = bucket;
        }
        bucket.addLast(session);
    }

    private void dropFrontBucket() {
        keepAliveDue.remove(keepAliveFrontDeadline);
        if (keepAliveLast == keepAliveFront) keepAliveLastDeadline = -1;
        if (spareBuckets.size() < SPARE_BUCKETS_MAX) spareBuckets.addLast(keepAliveFront);
        keepAliveFrontDeadline = -1;
        keepAliveFront = null;
    }

    /** When the session's keepalive lapses, or {@link Long#MAX_VALUE} when it cannot (not connected, no keepalive, ended). */
    private long keepAliveDeadline(Session session) {
        if (!session.connected || session.keepAliveSeconds <= 0 || !session.indexed) return Long.MAX_VALUE;
        return keepaliveCheck.deadlineNanos(session.lastSeenNanos, session.keepAliveSeconds, walkBaseSecond);
    }

    // ---- broker faults ----------------------------------------------------------------------

    /** The broker process dies: every connection is gone, no will is sent; without persistence all state is lost. */
    public void crash(long now) {
        running = false;
        Iterator<Session> all = sessions.values().iterator();
        while (all.hasNext()) {
            Session session = all.next();
            session.connected = false;
            if (!limits.persistence() || session.clean) {
                stats.drop(limits.persistence() ? DropReason.SESSION_ENDED : DropReason.BROKER_CRASH,
                        session.inflight.size() + session.queue.size());
                all.remove();
                sessionsById.remove(session.clientId);
                session.indexed = false;
                for (String filter : session.subscriptions.keySet()) unindex(session, filter);
            }
        }
        if (!limits.persistence()) retained.clear();
    }

    public void restart(long now) {
        running = true;
        walkBaseSecond = keepaliveCheck.second(now); // a new process: its keepalive walks count from its own start
    }

    public boolean isRunning() {
        return running;
    }

    // ---- routing ------------------------------------------------------------------------------

    /** Routes a message {@code from} a client's PUBLISH (null: a will). */
    private void route(Message message, Session from, long now) {
        stats.publishedIn++;
        if (message.retain()) {
            retained.store(message); // an empty payload clears the topic's retained message
        }
        // One copy per client, at the QoS of the subscription Mosquitto's subscription tree reaches first.
        long epoch = ++routeEpoch;
        matched.clear();
        for (FilterEntry entry : entriesFor(message.topic(), from)) collect(entry, epoch);
        if (matched.isEmpty()) {
            stats.unrouted++;
            return;
        }
        for (int i = 0; i < matched.size(); i++) {
            Session session = matched.get(i);
            int qos = Math.min(session.subscriptions.get(session.routeFilter), message.qos());
            // Copies to existing subscriptions never carry the retain flag (MQTT 3.1.1 section 3.3.1.3).
            Message copy = qos == message.qos() && !message.retain() ? message
                    : new Message(message.topic(), message.payload(), qos, false);
            deliver(session, copy, now);
        }
    }

    /**
     * The index's entries {@code topic} reaches, in the order routing collects them: its literal filter, then the
     * wildcard filters in the order they were first subscribed. A client publishes to a few topics, each usually the
     * same String, so the answer is kept on its session for its last topic until a filter enters or leaves the index
     * (the subscribers of an entry are read when routing, so they may change without it).
     */
    private FilterEntry[] entriesFor(String topic, Session from) {
        if (from != null && topic == from.routeTopic && from.routeVersion == filtersVersion) return from.routeEntries;
        ArrayList<FilterEntry> found = entriesScratch;
        found.clear();
        FilterEntry literal = filters.get(topic);
        if (literal != null && !literal.wildcard) found.add(literal);
        for (int i = 0; i < wildcardFilters.size(); i++) {
            FilterEntry entry = wildcardFilters.get(i);
            if (TopicFilter.matches(entry.filter, topic)) found.add(entry);
        }
        FilterEntry[] entries = found.isEmpty() ? NO_ENTRIES : found.toArray(NO_ENTRIES);
        found.clear();
        if (from != null) {
            from.routeTopic = topic;
            from.routeEntries = entries;
            from.routeVersion = filtersVersion;
        }
        return entries;
    }

    private void collect(FilterEntry entry, long epoch) {
        for (int i = 0; i < entry.inOrder.size(); i++) {
            Session session = entry.inOrder.get(i);
            if (session.routeEpoch != epoch) {
                session.routeEpoch = epoch;
                session.routeFilter = entry.filter;
                matched.add(session);
            } else if (visitedBefore(entry.filter, session.routeFilter)) {
                session.routeFilter = entry.filter;
            }
        }
    }

    /**
     * True when Mosquitto's subscription tree visits {@code a} before {@code b} (both match the same topic).
     *
     * <p>Mosquitto 2.0 sends a client one copy of a message however many of its subscriptions match,
     * with the QoS of the first one its depth-first search of the subscription tree reaches. At each
     * level the search goes down the literal branch, then the '+' branch, then takes a '#' at that
     * level; a filter that ends at this level is handled last, by the level above. So at the first
     * level where two filters differ: literal, then '+', then '#', then "ended". The differential
     * test against Mosquitto pins this down.
     */
    static boolean visitedBefore(String a, String b) {
        String[] left = a.split("/", -1);
        String[] right = b.split("/", -1);
        for (int level = 0; ; level++) {
            int l = rank(left, level);
            int r = rank(right, level);
            if (l != r) return l < r;
            if (l == RANK_ENDED) return false; // equal filters
            if (l == RANK_LITERAL && !left[level].equals(right[level])) return false; // cannot both match
        }
    }

    private static final int RANK_LITERAL = 0;
    private static final int RANK_PLUS = 1;
    private static final int RANK_HASH = 2;
    private static final int RANK_ENDED = 3;

    private static int rank(String[] levels, int level) {
        if (level >= levels.length) return RANK_ENDED;
        switch (levels[level]) {
            case "+": return RANK_PLUS;
            case "#": return RANK_HASH;
            default: return RANK_LITERAL;
        }
    }

    private void deliver(Session session, Message copy, long now) {
        stats.routed++;
        if (session.connected) {
            if (copy.qos() == 0) {
                stats.delivered++; // unless the socket refuses it: publishRefused
                send(session, Packet.Type.PUBLISH, 0, copy);
            } else if (!session.inflight.isFull()) {
                int id = session.nextPacketId();
                session.inflight.add(id, copy);
                send(session, Packet.Type.PUBLISH, id, copy); // not written: stays in flight, resent on reconnect
            } else if (limits.maxQueuedMessages() == 0 || session.queue.size() < limits.maxQueuedMessages()) {
                session.queue.addLast(copy);
            } else {
                stats.drop(DropReason.QUEUE_FULL, 1);
            }
            return;
        }
        if (copy.qos() == 0) {
            stats.drop(DropReason.OFFLINE_QOS0, 1);
        } else if (limits.maxQueuedMessages() == 0
                || session.inflight.size() + session.queue.size() < limits.maxQueuedMessages()) {
            session.queue.addLast(copy); // an offline client's in-flight messages count against its queue
        } else {
            stats.drop(DropReason.QUEUE_FULL, 1);
        }
    }

    private void fillInflight(Session session, long now) {
        while (!session.queue.isEmpty() && !session.inflight.isFull()) {
            Message next = session.queue.removeFirst();
            int id = session.nextPacketId();
            session.inflight.add(id, next);
            send(session, Packet.Type.PUBLISH, id, next);
        }
    }

    private void lost(Session session, long now) {
        lost(session, now, now);
    }

    /**
     * The connection is gone without DISCONNECT; the broker decided so at {@code decidedAt}. That is
     * earlier than {@code now} only for a keepalive whose walk fell while the world could not run the
     * broker (a clock moved past it in one step; a device's poll that spends CPU time no longer does,
     * it moves only that device's time): the will goes out now, and its silence is counted to the
     * walk, as the real broker would have timed it.
     */
    private void lost(Session session, long now, long decidedAt) {
        assert decidedAt <= now : "decided at " + decidedAt + " after " + now;
        Message will = session.will;
        session.will = null;
        gone(session);
        if (will != null) {
            stats.wills++;
            stats.willSilenceNanosMax = Math.max(stats.willSilenceNanosMax, decidedAt - session.lastSeenNanos);
            stats.willSilenceNanosMin = Math.min(stats.willSilenceNanosMin, decidedAt - session.lastSeenNanos);
            route(will, null, now);
        }
    }

    private void gone(Session session) {
        session.connected = false;
        if (session.clean) endSession(session);
    }

    private void endSession(Session session) {
        stats.drop(DropReason.SESSION_ENDED, session.inflight.size() + session.queue.size());
        sessions.remove(session.clientId);
        sessionsById.remove(session.clientId);
        session.indexed = false;
        for (String filter : session.subscriptions.keySet()) unindex(session, filter);
    }

    /** The connected session of {@code clientId}, found through {@code port} when it still leads to the indexed one. */
    private Session connectedSession(Port port, String clientId) {
        if (!running) return null;
        Session session = port == null ? null : port.session;
        if (session == null || !session.indexed || !session.clientId.equals(clientId)) {
            session = sessionsById.get(clientId);
            if (port != null) port.session = session;
        }
        return session != null && session.connected ? session : null;
    }

    // ---- views --------------------------------------------------------------------------------

    public BrokerStats stats() { return stats; }

    public int inflight() {
        int total = 0;
        for (Session session : sessions.values()) total += session.inflight.size();
        return total;
    }

    public int queued() {
        int total = 0;
        for (Session session : sessions.values()) total += session.queue.size();
        return total;
    }

    public int queued(String clientId) {
        Session session = sessionsById.get(clientId);
        return session == null ? 0 : session.queue.size();
    }

    public boolean hasSession(String clientId) {
        return sessionsById.containsKey(clientId);
    }

    public boolean isConnected(String clientId) {
        Session session = sessionsById.get(clientId);
        return running && session != null && session.connected;
    }

    /** The retained message on {@code topic}, or null. */
    public Message retained(String topic) {
        return retained.get(topic);
    }

    public int retainedCount() {
        return retained.size();
    }

    /** Nodes of the retained tree: one per topic level ever retained since the broker started, as in Mosquitto. */
    public int retainedNodes() {
        return retained.nodes();
    }

    /** Throws when the books do not balance: every routed copy is delivered, dropped, in flight or queued. */
    public void checkBalance() {
        if (sessions.size() != sessionsById.size()) {
            throw new IllegalStateException("session index out of step: " + sessions.size() + " sessions, " + sessionsById.size() + " indexed");
        }
        long accounted = stats.delivered() + stats.droppedTotal() + inflight() + queued();
        if (accounted != stats.routed()) {
            throw new IllegalStateException("broker books do not balance: routed " + stats.routed() + " != delivered "
                    + stats.delivered() + " + dropped " + stats.droppedByReason() + " + inflight " + inflight()
                    + " + queued " + queued());
        }
    }
}
