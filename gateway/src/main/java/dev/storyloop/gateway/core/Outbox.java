package dev.storyloop.gateway.core;

/** Where the core's outputs go: the shell publishes, answers HTTP requests, records metrics. */
public interface Outbox {
    /** No shell attached: outputs go nowhere (a core fed by a test or a benchmark). */
    Outbox NONE = (topic, payload, qos, retained) -> {};

    /** An MQTT message to publish (commands, credits). */
    void publish(String topic, byte[] payload, int qos, boolean retained);

    /** A command got its ack, or timed out. */
    default void commandCompleted(CommandResult result) {}

    /** A frame left the ingest queue after {@code latencyNanos} (queueing and processing). */
    default void processed(long latencyNanos) {}
}
