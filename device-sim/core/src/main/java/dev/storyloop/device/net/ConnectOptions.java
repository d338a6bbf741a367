package dev.storyloop.device.net;

import java.util.Objects;

/**
 * How the device connects: session kind, keepalive, and the last will the broker publishes if the
 * device vanishes (storyloop devices set their retained status topic to "offline").
 */
public record ConnectOptions(boolean cleanSession, int keepAliveSeconds, String willTopic, byte[] willPayload,
                             int willQos, boolean willRetained) {
    public ConnectOptions {
        if (keepAliveSeconds < 0 || keepAliveSeconds > 65_535) throw new IllegalArgumentException("keepalive must be 0..65535 s");
        if (willTopic != null) Objects.requireNonNull(willPayload, "willPayload");
        if (willQos < 0 || willQos > 1) throw new IllegalArgumentException("will QoS must be 0 or 1");
    }

    public static ConnectOptions of(boolean cleanSession, int keepAliveSeconds) {
        return new ConnectOptions(cleanSession, keepAliveSeconds, null, null, 0, false);
    }

    public ConnectOptions withWill(String topic, byte[] payload, int qos, boolean retained) {
        return new ConnectOptions(cleanSession, keepAliveSeconds, topic, payload, qos, retained);
    }

    public boolean hasWill() {
        return willTopic != null;
    }
}
