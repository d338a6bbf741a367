package dev.storyloop.gateway.mqtt;

import io.vertx.mqtt.messages.MqttPublishMessage;

/**
 * The acknowledgements the gateway owes the broker, in arrival order: first those of messages the
 * core has applied but whose effect is not yet committed to the store, then those the core has
 * queued but not applied. Each is a QoS 1 message (null for QoS 0: nothing to acknowledge) with the
 * connection it came on, since a packet id means nothing on a later connection.
 *
 * <p>One bounded ring, allocation-free. The broker never has more unacknowledged messages out than
 * its inflight window; for a broker set without one, {@link #full} makes the gateway leave further
 * messages unacknowledged (the broker resends them to the next process).
 */
final class Acks {
    private final MqttPublishMessage[] messages;
    private final int[] connections;
    private int head;           // oldest entry: the next to be committed
    private int committable;    // entries applied by the core, waiting for a commit
    private int size;           // committable + those still queued in the core

    Acks(int capacity) {
        this.messages = new MqttPublishMessage[capacity];
        this.connections = new int[capacity];
    }

    boolean full() {
        return size == messages.length;
    }

    /** A message (null: QoS 0) that arrived on {@code connection} went into the core's queue. */
    void received(MqttPublishMessage message, int connection) {
        if (size == messages.length) throw new IllegalStateException("more messages waiting than the acknowledgement ring holds");
        int slot = head + size;
        if (slot >= messages.length) slot -= messages.length;
        messages[slot] = message;
        connections[slot] = connection;
        size++;
    }

    /** The core applied its {@code count} oldest queued messages. */
    void applied(int count) {
        if (committable + count > size) throw new IllegalStateException("the core applied more than was queued");
        committable += count;
    }

    /** Applied messages whose acknowledgement waits for a commit. */
    int waitingForCommit() {
        return committable;
    }

    /**
     * The oldest applied message is committed: acknowledges it if it came on {@code connection}
     * (the current one), else leaves it to the broker's redelivery. True when acknowledged.
     */
    boolean commitOldest(int connection) {
        if (committable == 0) throw new IllegalStateException("nothing applied to commit");
        MqttPublishMessage message = messages[head];
        boolean sameConnection = connections[head] == connection;
        messages[head] = null;
        head = head + 1 == messages.length ? 0 : head + 1;
        committable--;
        size--;
        if (message == null || !sameConnection) return false;
        message.ack();
        return true;
    }
}
