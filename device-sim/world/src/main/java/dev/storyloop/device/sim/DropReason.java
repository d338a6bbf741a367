package dev.storyloop.device.sim;

/** Why a routed copy of a message never reached its subscriber; every drop is counted by reason. */
public enum DropReason {
    /** QoS 1 beyond {@code max_queued_messages} (Mosquitto: "Outgoing messages are being dropped"). */
    QUEUE_FULL("queue-full"),
    /** QoS 0 for a disconnected client with a persistent session (Mosquitto does not queue QoS 0). */
    OFFLINE_QOS0("offline-qos0"),
    /** Queued or in flight when the broker crashed without persistence. */
    BROKER_CRASH("broker-crash"),
    /** A QoS 0 copy the client's outgoing buffer could not take (the client reads too slowly). */
    OUTGOING_BUFFER_FULL("outgoing-buffer-full"),
    /** Queued or in flight when a clean session ended. */
    SESSION_ENDED("session-ended");

    private final String label;

    DropReason(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }
}
