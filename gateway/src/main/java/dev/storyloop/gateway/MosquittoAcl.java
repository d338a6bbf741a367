package dev.storyloop.gateway;

import java.util.List;

/**
 * The recommended Mosquitto ACL for a storyloop fleet: each device writes only under its own id
 * and reads only its own commands and credits; the gateway reads the fleet's uplink topics and
 * writes commands and credits.
 *
 * <p>Device rules are {@code pattern} lines on {@code %c}, the MQTT client id, which the firmware
 * sets to its device id; a device that publishes under another id is refused by the broker (for
 * MQTT 3.1.1 it is acknowledged and dropped). Pair it with per-device credentials or client
 * certificates in production, so a client cannot simply claim another device's client id; the
 * frames' HMAC tags stay the second line of defence either way.
 */
public final class MosquittoAcl {
    private MosquittoAcl() {}

    public static List<String> lines(String gatewayUser) {
        return List.of(
                "# storyloop fleet ACL (generated): devices write only their own topics.",
                "pattern write storyloop/v1/%c/telemetry",
                "pattern write storyloop/v1/%c/status",
                "pattern write storyloop/v1/%c/ack",
                "pattern read storyloop/v1/%c/cmd",
                "pattern read storyloop/v1/%c/flow",
                "",
                "user " + gatewayUser,
                "topic read storyloop/v1/+/telemetry",
                "topic read storyloop/v1/+/status",
                "topic read storyloop/v1/+/ack",
                "topic write storyloop/v1/+/cmd",
                "topic write storyloop/v1/+/flow",
                "topic read $SYS/broker/publish/messages/dropped"); // the broker's drop counter feeds flow control
    }

    public static String render(String gatewayUser) {
        return String.join("\n", lines(gatewayUser)) + "\n";
    }
}
