package dev.storyloop.gateway;

import dev.storyloop.gateway.mqtt.GatewayVerticle;
import dev.storyloop.protocol.FrameCodec;

import java.util.ArrayList;
import java.util.List;

/**
 * The recommended Mosquitto 2.0 settings for a storyloop fleet, sized from the fleet: the payload
 * limit that keeps any message the gateway could not decode from reaching it, and the queue that
 * holds the fleet's frames for the gateway's session while the gateway is away.
 *
 * <p>Sizes, with the reasoning:
 * <ul>
 *   <li>{@code message_size_limit} {@value #MESSAGE_SIZE_LIMIT_BYTES} B (1 MiB): every frame is at
 *       most {@link FrameCodec#MAX_FRAME_BYTES} B and a status 7 B, so nothing legitimate comes
 *       near it. The broker does not forward a bigger payload but completes the publisher's QoS 1
 *       flow, so nobody's connection drops and nothing is redelivered. The gateway's client decodes
 *       up to {@link GatewayVerticle#MQTT_MAX_MESSAGE_BYTES} B (twice this, room for the topic and
 *       header), so whatever the broker forwards the gateway can read, acknowledge and count as
 *       {@code oversized}. ({@code max_packet_size} would disconnect the publisher instead.)</li>
 *   <li>{@code max_queued_messages}: the gateway's persistent session must hold what the whole
 *       fleet sends while the gateway is away (a restart, a deploy, an outage), or the broker drops
 *       the surplus silently: devices × frames per second per device × the longest absence planned
 *       for, plus one status per device. Mosquitto 2.0 applies it to every client; devices receive
 *       only commands and credits, so their queues stay short anyway.</li>
 *   <li>{@code max_queued_bytes}: a memory bound on that queue, at the largest frame plus the
 *       longest topic per message, so a flood of large messages cannot exceed what the count allows.</li>
 * </ul>
 */
public final class MosquittoConfig {
    public static final int MESSAGE_SIZE_LIMIT_BYTES = 1024 * 1024;
    /** The longest topic: {@code storyloop/v1/} + a 64-character id + {@code /telemetry}. */
    public static final int TOPIC_BYTES_MAX = "storyloop/v1/".length() + 64 + "/telemetry".length();

    private MosquittoConfig() {}

    /** What a fleet sends: how many devices, how many frames per second each at most, and how long the gateway may be away. */
    public record Fleet(int devices, double framesPerSecondPerDevice, int gatewayAbsenceSeconds) {
        public Fleet {
            if (devices <= 0) throw new IllegalArgumentException("devices must be > 0");
            if (framesPerSecondPerDevice <= 0) throw new IllegalArgumentException("frames per second must be > 0");
            if (gatewayAbsenceSeconds <= 0) throw new IllegalArgumentException("the absence must be > 0 s");
        }

        /** Frames queued for the gateway's session during its longest absence, plus a status per device. */
        public long queuedMessages() {
            return (long) Math.ceil(devices * framesPerSecondPerDevice * gatewayAbsenceSeconds) + devices;
        }

        /** The queue's memory bound: every queued message at the largest frame and the longest topic. */
        public long queuedBytes() {
            return queuedMessages() * (FrameCodec.MAX_FRAME_BYTES + TOPIC_BYTES_MAX);
        }
    }

    public static List<String> lines(Fleet fleet) {
        List<String> lines = new ArrayList<>();
        lines.add("# storyloop broker limits (generated for " + fleet.devices() + " devices at " + fleet.framesPerSecondPerDevice()
                + " frames/s each, the gateway away up to " + fleet.gatewayAbsenceSeconds() + " s)");
        lines.add("message_size_limit " + MESSAGE_SIZE_LIMIT_BYTES);
        lines.add("max_queued_messages " + fleet.queuedMessages());
        lines.add("max_queued_bytes " + fleet.queuedBytes());
        lines.add("persistence true");
        return lines;
    }

    public static String render(Fleet fleet) {
        return String.join("\n", lines(fleet)) + "\n";
    }
}
