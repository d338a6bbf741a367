package dev.storyloop.device.sim;

/**
 * The QoS 1 messages sent to one client and not yet acknowledged, in the order they were sent.
 *
 * <p>Two parallel arrays instead of a map: acknowledgements nearly always come in order, so
 * removing is taking the head, and nothing is boxed or allocated per message. Its capacity is the
 * broker's {@code max_inflight_messages}; only an unlimited window (0) grows, by doubling, up to
 * the 65,535 packet ids MQTT has. Past {@link #INDEXED_FROM} messages a bitmap of the ids in flight
 * answers {@link #contains} (a large window would otherwise make each new packet id a scan).
 */
final class InflightWindow {
    private int[] ids;
    private Message[] messages;
    private int head;
    private int size;
    private final boolean growable;
    private long[] inFlightIds; // a bit per packet id, once the window has grown past INDEXED_FROM
    static final int PACKET_IDS = 65_535;
    static final int INDEXED_FROM = 64;

    InflightWindow(int maxInflight) {
        int capacity = maxInflight == 0 ? 16 : maxInflight;
        this.ids = new int[capacity];
        this.messages = new Message[capacity];
        this.growable = maxInflight == 0;
    }

    int size() {
        return size;
    }

    boolean isFull() {
        return growable ? size == PACKET_IDS : size == ids.length;
    }

    void add(int packetId, Message message) {
        if (size == ids.length) {
            if (!growable) throw new IllegalStateException("in-flight window full: " + size);
            grow();
        }
        int slot = index(size);
        ids[slot] = packetId;
        messages[slot] = message;
        size++;
        if (inFlightIds == null && size > INDEXED_FROM) {
            inFlightIds = new long[(PACKET_IDS + 1 + 63) / 64];
            for (int i = 0; i < size; i++) mark(ids[index(i)], true);
        } else if (inFlightIds != null) {
            mark(packetId, true);
        }
    }

    boolean contains(int packetId) {
        if (inFlightIds != null) return (inFlightIds[packetId >>> 6] & (1L << packetId)) != 0;
        for (int i = 0; i < size; i++) if (ids[index(i)] == packetId) return true;
        return false;
    }

    private void mark(int packetId, boolean on) {
        if (on) inFlightIds[packetId >>> 6] |= 1L << packetId;
        else inFlightIds[packetId >>> 6] &= ~(1L << packetId);
    }

    /** Removes the message with {@code packetId}; returns it, or null when no such message is in flight. */
    Message remove(int packetId) {
        for (int i = 0; i < size; i++) {
            int slot = index(i);
            if (ids[slot] != packetId) continue;
            Message removed = messages[slot];
            // Close the gap by moving the older entries up one place (usually none: acks come in order).
            for (int j = i; j > 0; j--) {
                int to = index(j);
                int from = index(j - 1);
                ids[to] = ids[from];
                messages[to] = messages[from];
            }
            messages[head] = null;
            head = index(1);
            size--;
            if (inFlightIds != null) mark(packetId, false);
            return removed;
        }
        return null;
    }

    int idAt(int i) {
        return ids[index(i)];
    }

    Message messageAt(int i) {
        return messages[index(i)];
    }

    private int index(int offset) {
        int i = head + offset;
        return i >= ids.length ? i - ids.length : i;
    }

    private void grow() {
        int capacity = Math.min(ids.length * 2, PACKET_IDS);
        int[] nextIds = new int[capacity];
        Message[] nextMessages = new Message[capacity];
        for (int i = 0; i < size; i++) {
            nextIds[i] = ids[index(i)];
            nextMessages[i] = messages[index(i)];
        }
        ids = nextIds;
        messages = nextMessages;
        head = 0;
    }
}
