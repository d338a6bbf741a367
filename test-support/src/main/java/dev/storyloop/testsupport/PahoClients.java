package dev.storyloop.testsupport;

import org.eclipse.paho.client.mqttv3.MqttAsyncClient;
import org.eclipse.paho.client.mqttv3.MqttCallback;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;

import java.util.function.Consumer;

/**
 * Paho clients for tests, made and ended the one safe way.
 *
 * <p>Always {@link MemoryPersistence} (otherwise Paho writes files into the working directory),
 * no automatic reconnect, a bounded wait for the CONNACK (Paho's connection timeout covers the
 * TCP connect only; against a frozen broker the CONNACK never comes), and the client closed when
 * connecting fails, because Paho's threads are not daemons.
 */
public final class PahoClients {
    /**
     * Long enough for a local broker on a loaded machine (3 s was missed under a load average of 15,
     * failing BrokerDifferentialTest); a test that succeeds does not wait for it.
     */
    public static final long CONNACK_WAIT_MILLIS = 10_000;

    private PahoClients() {}

    /**
     * Connects a clean-session client; {@code callback} (nullable) is set before connecting and
     * {@code options} may change the defaults (session, will, credentials, inflight window).
     */
    public static MqttAsyncClient connect(MosquittoBroker broker, String clientId, MqttCallback callback,
                                          Consumer<MqttConnectOptions> options) throws MqttException {
        MqttAsyncClient client = new MqttAsyncClient(broker.url(), clientId, new MemoryPersistence());
        if (callback != null) client.setCallback(callback);
        MqttConnectOptions connect = new MqttConnectOptions();
        connect.setCleanSession(true);
        connect.setAutomaticReconnect(false);
        connect.setConnectionTimeout((int) (CONNACK_WAIT_MILLIS / 1000));
        options.accept(connect);
        try {
            client.connect(connect).waitForCompletion(CONNACK_WAIT_MILLIS);
        } catch (MqttException e) {
            close(client);
            throw e;
        }
        return client;
    }

    public static MqttAsyncClient connect(MosquittoBroker broker, String clientId) throws MqttException {
        return connect(broker, clientId, null, options -> {});
    }

    /** Ends a client whatever state it is in (also after a broker fault); never throws. */
    public static void close(MqttAsyncClient client) {
        if (client == null) return;
        try {
            if (client.isConnected()) client.disconnectForcibly(0, 1_000, true);
        } catch (MqttException e) {
            // the connection is already gone
        }
        try {
            client.close(true);
        } catch (MqttException e) {
            // closing a client whose connection died may report it; its threads are ended either way
        }
    }
}
