package dev.storyloop.gateway;

import dev.storyloop.gateway.core.GatewayConfig;
import dev.storyloop.gateway.core.Keyring;

import java.util.Objects;

/**
 * How a gateway is run: where the broker and the HTTP API are, the API token, the device keys,
 * the core's limits, and the broker login.
 */
public record GatewayOptions(String brokerHost, int brokerPort, String clientId, String httpHost, int httpPort,
                             String apiToken, Keyring keyring, GatewayConfig core, String mqttUser,
                             String mqttPassword) {
    public static final String CLIENT_ID_DEFAULT = "storyloop-gateway";

    public GatewayOptions {
        Objects.requireNonNull(brokerHost, "brokerHost");
        if (brokerPort <= 0 || brokerPort > 65_535) throw new IllegalArgumentException("broker port must be 1..65535");
        Objects.requireNonNull(clientId, "clientId");
        Objects.requireNonNull(httpHost, "httpHost");
        if (httpPort < 0 || httpPort > 65_535) throw new IllegalArgumentException("HTTP port must be 0..65535 (0: any free port)");
        if (apiToken == null || apiToken.length() < 16) throw new IllegalArgumentException("the API token must have at least 16 characters");
        Objects.requireNonNull(keyring, "keyring");
        Objects.requireNonNull(core, "core");
        if ((mqttUser == null) != (mqttPassword == null)) throw new IllegalArgumentException("an MQTT user needs a password, and the other way round");
    }

    /** Local defaults: HTTP on 127.0.0.1 and a free port, the development fleet's keys, default limits. */
    public static GatewayOptions local(String brokerHost, int brokerPort, String apiToken) {
        return new GatewayOptions(brokerHost, brokerPort, CLIENT_ID_DEFAULT, "127.0.0.1", 0, apiToken, Keyring.development(),
                GatewayConfig.defaults(), null, null);
    }

    public GatewayOptions withCore(GatewayConfig next) {
        return new GatewayOptions(brokerHost, brokerPort, clientId, httpHost, httpPort, apiToken, keyring, next, mqttUser, mqttPassword);
    }

    public GatewayOptions withHttp(String host, int port) {
        return new GatewayOptions(brokerHost, brokerPort, clientId, host, port, apiToken, keyring, core, mqttUser, mqttPassword);
    }

    public GatewayOptions withKeyring(Keyring next) {
        return new GatewayOptions(brokerHost, brokerPort, clientId, httpHost, httpPort, apiToken, next, core, mqttUser, mqttPassword);
    }

    /** Logs in to the broker as {@code user} (see {@link MosquittoAcl}). */
    public GatewayOptions withCredentials(String user, String password) {
        return new GatewayOptions(brokerHost, brokerPort, clientId, httpHost, httpPort, apiToken, keyring, core, user, password);
    }

    public GatewayOptions withClientId(String next) {
        return new GatewayOptions(brokerHost, brokerPort, next, httpHost, httpPort, apiToken, keyring, core, mqttUser, mqttPassword);
    }
}
