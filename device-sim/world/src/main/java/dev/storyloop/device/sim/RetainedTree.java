package dev.storyloop.device.sim;

import java.util.LinkedHashMap;
import java.util.function.Consumer;

/**
 * The simulated broker's retained messages, kept and searched the way Mosquitto 2.0 keeps them, so a
 * new subscription receives them in Mosquitto's order.
 *
 * <p>Mosquitto stores retained messages in a tree with one node per topic level; a node's children are
 * kept in the order they were first created (a hash table that iterates in insertion order), and a node
 * stays in the tree when its message is cleared. A topic that does not start with '$' hangs under an
 * empty first level, a '$' topic under its own first level, which is why '#' and '+' at the front
 * never reach '$SYS'. A subscription walks the tree level by level: a literal level follows one child,
 * '+' every child in creation order, and a final '#' visits each child before that child's own
 * descendants; the node a '#' hangs below (the "a" of "a/#") is sent after everything beneath it.
 * So a subscriber to {@code r/#} gets {@code r/b} before {@code r/a} when {@code r/b} was retained
 * first, not the topic order a sorted map would give. {@code RetainedOrderDifferentialTest} checks
 * this against the real broker.
 *
 * <p>Bound: one node per distinct topic level ever retained since the broker started (as in
 * Mosquitto, which frees them only at shutdown); a crash without persistence clears the tree.
 * Every map here iterates in insertion order, so the walk is deterministic.
 */
final class RetainedTree {
    private static final int WALK_ON = 0;
    private static final int WALK_PARENT_AFTER = -1; // a '#' below this node found children: send the node too

    private static final class Node {
        final LinkedHashMap<String, Node> children = new LinkedHashMap<>();
        Message retained;
    }

    private final LinkedHashMap<String, Node> roots = new LinkedHashMap<>();
    private int messages;
    private int nodes;

    /** Keeps {@code message} as the retained message of its topic, or clears the topic's when the payload is empty. */
    void store(Message message) {
        String[] levels = levels(message.topic());
        Node node = roots.computeIfAbsent(levels[0], k -> newNode());
        for (String level : levels) node = node.children.computeIfAbsent(level, k -> newNode());
        if (node.retained != null) messages--;
        node.retained = message.payload().length == 0 ? null : message;
        if (node.retained != null) messages++;
        assert messages >= 0 && messages <= nodes : "retained count " + messages + " of " + nodes + " nodes";
    }

    /** Hands every retained message that {@code filter} (a valid filter) matches to {@code out}, in Mosquitto's order. */
    void search(String filter, Consumer<Message> out) {
        String[] levels = levels(filter);
        Node root = roots.get(levels[0]);
        if (root != null) search(root, levels, 0, 0, out);
    }

    private static int search(Node node, String[] filter, int index, int depth, Consumer<Message> out) {
        String level = filter[index];
        if (level.equals("#") && index == filter.length - 1) {
            int result = WALK_ON;
            for (Node child : node.children.values()) {
                result = WALK_PARENT_AFTER;
                if (child.retained != null) out.accept(child.retained);
                if (!child.children.isEmpty()) search(child, filter, index, depth + 1, out);
            }
            return result;
        }
        if (level.equals("+")) {
            for (Node child : node.children.values()) visit(child, filter, index, depth, out);
        } else {
            Node child = node.children.get(level);
            if (child != null) visit(child, filter, index, depth, out);
        }
        return WALK_ON;
    }

    /** A child matched level {@code index}: it is sent if the filter ends here or a '#' below it covers it too. */
    private static void visit(Node child, String[] filter, int index, int depth, Consumer<Message> out) {
        boolean send;
        if (index + 1 < filter.length) {
            // The descendants go first; the node itself follows when '#' is next (Mosquitto skips this
            // only at the first, empty level, which never holds a message).
            send = search(child, filter, index + 1, depth + 1, out) == WALK_PARENT_AFTER
                    || (filter[index + 1].equals("#") && depth > 0);
        } else {
            send = true;
        }
        if (send && child.retained != null) out.accept(child.retained);
    }

    /** The retained message on {@code topic}, or null. */
    Message get(String topic) {
        String[] levels = levels(topic);
        Node node = roots.get(levels[0]);
        for (int i = 0; node != null && i < levels.length; i++) node = node.children.get(levels[i]);
        return node == null ? null : node.retained;
    }

    /** The levels Mosquitto files a topic or filter under: an empty first level unless it starts with '$'. */
    private static String[] levels(String topic) {
        String[] split = topic.split("/", -1);
        if (topic.startsWith("$")) return split;
        String[] levels = new String[split.length + 1];
        levels[0] = "";
        System.arraycopy(split, 0, levels, 1, split.length);
        return levels;
    }

    private Node newNode() {
        nodes++;
        return new Node();
    }

    int size() {
        return messages;
    }

    /** Nodes held, the tree's memory: it grows with distinct topic levels, never with traffic on known ones. */
    int nodes() {
        return nodes;
    }

    void clear() {
        roots.clear();
        messages = 0;
        nodes = 0;
    }
}
