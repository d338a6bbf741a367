package dev.storyloop.bench;

import io.vertx.core.Vertx;
import io.vertx.mqtt.MqttClient;
import io.vertx.mqtt.MqttClientOptions;
import org.eclipse.paho.client.mqttv3.IMqttActionListener;
import org.eclipse.paho.client.mqttv3.IMqttToken;
import org.eclipse.paho.client.mqttv3.MqttAsyncClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;

import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * The bare Java MQTT stacks the pipeline is measured against: a Paho publisher with no executor,
 * no firmware and no signing, and a Vert.x MQTT subscriber that only counts.
 *
 * <p>Both use clean sessions, so nothing they leave behind can make the broker store messages for
 * a later phase.
 */
final class BareMqtt {
    static final String PUBLISHER_THREAD_PREFIX = "bare-pub-";
    static final long CONNECT_WAIT_MILLIS = 10_000;
    static final long CLOSE_WAIT_MILLIS = 2_000;

    private BareMqtt() {}

    /**
     * One Paho client and one thread that publishes the same payload over and over, keeping at most
     * {@code window} publishes in flight: it takes a permit before each publish and the completion
     * (QoS 0: written; QoS 1: PUBACK) gives it back, so Paho's own limit is not provoked in the normal
     * case. Paho decrements its in-flight count on its own thread around the completion, so a publish
     * can still be refused ("too many publishes in progress", 32202) now and then; such a refusal is
     * counted and retried after a short pause.
     */
    static final class Publisher implements AutoCloseable {
        private static final long REFUSED_PAUSE_NANOS = 20_000;
        private final MqttAsyncClient client;
        private final Semaphore window;
        private final Thread thread;
        private final AtomicLong completed = new AtomicLong();
        private final AtomicLong failed = new AtomicLong();
        private final AtomicLong refused = new AtomicLong();
        private volatile boolean stopping;
        private volatile Throwable failure;

        Publisher(String brokerUrl, String clientId, String topic, byte[] payload, int qos, int window) throws MqttException {
            this.client = new MqttAsyncClient(brokerUrl, clientId, new MemoryPersistence());
            MqttConnectOptions connect = new MqttConnectOptions();
            connect.setCleanSession(true);
            connect.setMaxInflight(window);
            connect.setAutomaticReconnect(false);
            client.connect(connect).waitForCompletion(CONNECT_WAIT_MILLIS);
            this.window = new Semaphore(window);
            IMqttActionListener done = new IMqttActionListener() {
                @Override public void onSuccess(IMqttToken token) {
                    completed.incrementAndGet();
                    Publisher.this.window.release();
                }

                @Override public void onFailure(IMqttToken token, Throwable cause) {
                    failed.incrementAndGet();
                    Publisher.this.window.release();
                }
            };
            this.thread = new Thread(() -> publishUntilStopped(topic, payload, qos, done), PUBLISHER_THREAD_PREFIX + clientId);
            thread.start();
        }

        private void publishUntilStopped(String topic, byte[] payload, int qos, IMqttActionListener done) {
            try {
                while (!stopping) {
                    if (!window.tryAcquire(100, TimeUnit.MILLISECONDS)) continue;
                    while (true) {
                        try {
                            client.publish(topic, payload, qos, false, null, done);
                            break;
                        } catch (MqttException e) {
                            if (e.getReasonCode() != MqttException.REASON_CODE_MAX_INFLIGHT || stopping) throw e;
                            refused.incrementAndGet();
                            LockSupport.parkNanos(REFUSED_PAUSE_NANOS);
                        }
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (MqttException e) {
                if (!stopping) failure = e;
            }
        }

        long completed() { return completed.get(); }
        long failed() { return failed.get(); }
        long refused() { return refused.get(); }
        Throwable failure() { return failure; }

        /** Stops publishing, waits for what is in flight (up to the window's worth of completions), disconnects and closes. */
        @Override
        public void close() throws Exception {
            stopping = true;
            thread.join(CLOSE_WAIT_MILLIS);
            try {
                if (client.isConnected()) client.disconnect(CLOSE_WAIT_MILLIS).waitForCompletion(CLOSE_WAIT_MILLIS);
            } catch (MqttException e) {
                client.disconnectForcibly(0, CLOSE_WAIT_MILLIS, false);
            }
            client.close(true);
        }
    }

    /**
     * A Vert.x MQTT client subscribed to {@code filter} that counts what arrives (and, at QoS 1,
     * acknowledges it: Vert.x's automatic acks) and nothing else, on one event loop.
     */
    static final class Counter implements AutoCloseable {
        private final Vertx vertx;
        private final MqttClient client;
        private final AtomicLong received = new AtomicLong();
        private volatile long lastArrivalNanos;

        Counter(String host, int port, String clientId, String filter, int qos) throws Exception {
            this.vertx = Vertx.vertx();
            MqttClientOptions options = new MqttClientOptions().setClientId(clientId).setCleanSession(true).setAutoKeepAlive(true)
                    .setMaxMessageSize(64 * 1024);
            this.client = MqttClient.create(vertx, options);
            client.publishHandler(message -> {
                received.incrementAndGet();
                lastArrivalNanos = System.nanoTime();
            });
            try {
                client.connect(port, host).toCompletionStage().toCompletableFuture().get(CONNECT_WAIT_MILLIS, TimeUnit.MILLISECONDS);
                client.subscribe(filter, qos).toCompletionStage().toCompletableFuture().get(CONNECT_WAIT_MILLIS, TimeUnit.MILLISECONDS);
            } catch (Exception e) {
                vertx.close();
                throw e;
            }
        }

        long received() { return received.get(); }
        long lastArrivalNanos() { return lastArrivalNanos; }

        /**
         * Waits until {@code total} arrived, or nothing arrived for a second (QoS 0 may lose some), or
         * {@code maxSeconds} passed since {@code startNanos}.
         */
        void awaitQuiet(long total, long startNanos, long maxSeconds) throws InterruptedException {
            long deadline = startNanos + TimeUnit.SECONDS.toNanos(maxSeconds);
            long last = -1;
            long lastChange = System.nanoTime();
            while (true) {
                long count = received.get();
                long now = System.nanoTime();
                if (count != last) {
                    last = count;
                    lastChange = now;
                }
                if (count >= total || now - lastChange > TimeUnit.SECONDS.toNanos(1) || now > deadline) return;
                Thread.sleep(1);
            }
        }

        /** Disconnects (the clean session ends with it) and closes its Vert.x. */
        @Override
        public void close() throws Exception {
            try {
                client.disconnect().toCompletionStage().toCompletableFuture().get(CLOSE_WAIT_MILLIS, TimeUnit.MILLISECONDS);
            } finally {
                vertx.close().toCompletionStage().toCompletableFuture().get(CLOSE_WAIT_MILLIS * 5, TimeUnit.MILLISECONDS);
            }
        }
    }

    /** Ends the persistent session a client left on the broker: connects under its id with a clean session and disconnects. */
    static void endSession(String brokerUrl, String clientId) throws MqttException {
        MqttAsyncClient client = new MqttAsyncClient(brokerUrl, clientId, new MemoryPersistence());
        MqttConnectOptions connect = new MqttConnectOptions();
        connect.setCleanSession(true);
        try {
            client.connect(connect).waitForCompletion(CONNECT_WAIT_MILLIS);
            client.disconnect(CLOSE_WAIT_MILLIS).waitForCompletion(CLOSE_WAIT_MILLIS);
        } finally {
            client.close(true);
        }
    }
}
