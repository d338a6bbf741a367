package dev.storyloop.device.sim;

import java.util.Arrays;
import java.util.Objects;

/**
 * An application message as the broker stores and routes it. The payload array is the publisher's, not a copy
 * (a device's transport takes it on the same terms, see {@code Transport}): nothing here or downstream changes it.
 */
public record Message(String topic, byte[] payload, int qos, boolean retain) {
    public Message {
        Objects.requireNonNull(topic, "topic");
        Objects.requireNonNull(payload, "payload");
        if (qos < 0 || qos > 1) throw new IllegalArgumentException("the simulated broker supports QoS 0 and 1, got " + qos);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof Message m && m.topic.equals(topic) && Arrays.equals(m.payload, payload)
                && m.qos == qos && m.retain == retain;
    }

    @Override
    public int hashCode() {
        return Objects.hash(topic, Arrays.hashCode(payload), qos, retain);
    }

    @Override
    public String toString() {
        return "Message[" + topic + ", " + payload.length + " B, qos " + qos + (retain ? ", retained" : "") + "]";
    }
}
