package dev.storyloop.device.sim;

import dev.storyloop.testsupport.BrokerConfig;
import dev.storyloop.testsupport.MosquittoBroker;
import dev.storyloop.testsupport.MosquittoExtension;
import dev.storyloop.testsupport.PahoClients;
import org.eclipse.paho.client.mqttv3.IMqttDeliveryToken;
import org.eclipse.paho.client.mqttv3.MqttAsyncClient;
import org.eclipse.paho.client.mqttv3.MqttCallback;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The simulated broker against real Mosquitto: the same seeded script of connects, subscribes
 * (with wildcards), publishes (QoS 0/1, retained) and clean or abrupt disconnects runs on both,
 * and every client must receive the same messages (topic, payload, QoS, retain flag).
 *
 * <p>The real broker is stepped slowly: after each step the test waits for the deliveries the
 * model predicts, so timing cannot change the outcome. A failure names the seed; rerun one with
 * {@code -Dstoryloop.diff.seed=N}.
 */
class BrokerDifferentialTest {
    private static final int SEEDS = Integer.getInteger("storyloop.diff.seeds", 200);
    private static final String[] TOPICS = {"a/b", "a/c", "x/b", "a", "a/b/c"};
    private static final String BARRIER_TOPIC = "diff-barrier"; // outside every seed's prefix
    private static final String[] FILTERS = {"a/+", "a/#", "#", "+/b", "a/b", "a/+/c", "w/+"};

    @RegisterExtension
    static final MosquittoExtension MOSQUITTO = MosquittoExtension.with(BrokerConfig.defaults()
            .withMaxQueuedMessages(0).withTcpNoDelay(true));
    /** Seeds are independent (own client ids, own topic prefix), so several run at once; each one runs in order. */
    private static final int SEEDS_AT_ONCE = 16;

    /** Client sockets with TCP_NODELAY, so a small packet is sent at once rather than held back by Nagle's algorithm. */
    static final javax.net.SocketFactory NO_DELAY = new javax.net.SocketFactory() {
        @Override public java.net.Socket createSocket() throws java.io.IOException {
            java.net.Socket socket = new java.net.Socket();
            socket.setTcpNoDelay(true);
            return socket;
        }
        @Override public java.net.Socket createSocket(String host, int port) { throw new UnsupportedOperationException(); }
        @Override public java.net.Socket createSocket(String host, int port, java.net.InetAddress local, int localPort) {
            throw new UnsupportedOperationException();
        }
        @Override public java.net.Socket createSocket(java.net.InetAddress host, int port) { throw new UnsupportedOperationException(); }
        @Override public java.net.Socket createSocket(java.net.InetAddress host, int port, java.net.InetAddress local, int localPort) {
            throw new UnsupportedOperationException();
        }
    };

    enum Kind { CONNECT, SUBSCRIBE, PUBLISH, DISCONNECT, LOST }

    record Step(Kind kind, int client, String topic, int qos, boolean retain, String payload) {}

    record Script(long seed, int clients, boolean[] clean, List<Step> steps) {}

    static Script script(long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        int clients = 3 + random.nextInt(3);
        boolean[] clean = new boolean[clients];
        boolean[] connected = new boolean[clients];
        for (int c = 0; c < clients; c++) clean[c] = random.nextBoolean();
        List<Step> steps = new ArrayList<>();
        int published = 0;
        for (int i = 0; i < 30; i++) {
            int c = random.nextInt(clients);
            if (!connected[c]) {
                steps.add(new Step(Kind.CONNECT, c, null, 0, false, null));
                connected[c] = true;
                continue;
            }
            int choice = random.nextInt(10);
            if (choice < 3) {
                steps.add(new Step(Kind.SUBSCRIBE, c, FILTERS[random.nextInt(FILTERS.length)], random.nextInt(2), false, null));
            } else if (choice < 8) {
                steps.add(new Step(Kind.PUBLISH, c, TOPICS[random.nextInt(TOPICS.length)], random.nextInt(2),
                        random.nextInt(4) == 0, "p" + published++));
            } else {
                steps.add(new Step(choice == 8 ? Kind.DISCONNECT : Kind.LOST, c, null, 0, false, null));
                connected[c] = false;
            }
        }
        return new Script(seed, clients, clean, steps);
    }

    private static String prefix(long seed) {
        return "diff" + seed + "/";
    }

    private static String id(long seed, int client) {
        return "diff" + seed + "-c" + client;
    }

    private static String delivery(String topic, byte[] payload, int qos, boolean retained) {
        return topic + " '" + new String(payload, StandardCharsets.UTF_8) + "' qos" + qos + (retained ? " retained" : "");
    }

    /** Runs the script on the model; returns, per client, the deliveries after each step. */
    static List<List<List<String>>> model(Script script) {
        String prefix = prefix(script.seed());
        List<List<String>> received = new ArrayList<>();
        for (int c = 0; c < script.clients(); c++) received.add(new ArrayList<>());
        List<int[]> acks = new ArrayList<>();
        SimBroker broker = new SimBroker(BrokerLimits.MOSQUITTO_DEFAULTS.withMaxQueuedMessages(0));
        BrokerReplies deliveries = new BrokerReplies() {
            @Override public void publish(String clientId, Message m, int packetId, boolean duplicate) {
                int client = Integer.parseInt(clientId.substring(clientId.lastIndexOf('c') + 1));
                received.get(client).add(delivery(m.topic(), m.payload(), m.qos(), m.retain()));
                if (m.qos() == 1) acks.add(new int[] {client, packetId}); // Paho acks every QoS 1 message
            }
        };
        List<List<List<String>>> afterEachStep = new ArrayList<>();
        long now = 0;
        for (Step step : script.steps()) {
            String client = id(script.seed(), step.client());
            switch (step.kind()) {
                case CONNECT:
                    broker.connect(now, client, script.clean()[step.client()], 60,
                            new Message(prefix + "w/c" + step.client(), "will".getBytes(StandardCharsets.UTF_8), 0, false));
                    break;
                case SUBSCRIBE:
                    broker.subscribe(now, client, prefix + step.topic(), step.qos());
                    break;
                case PUBLISH:
                    broker.publish(now, client, new Message(prefix + step.topic(),
                            step.payload().getBytes(StandardCharsets.UTF_8), step.qos(), step.retain()), 1);
                    break;
                case DISCONNECT:
                    broker.disconnect(now, client);
                    break;
                case LOST:
                    broker.connectionLost(now, client);
                    break;
                default:
                    throw new AssertionError(step.kind());
            }
            BrokerReplies.drain(broker, deliveries);
            List<int[]> due = new ArrayList<>(acks);
            acks.clear();
            for (int[] ack : due) broker.puback(now, id(script.seed(), ack[0]), ack[1]);
            BrokerReplies.drain(broker, deliveries);
            broker.checkBalance();
            List<List<String>> snapshot = new ArrayList<>();
            for (List<String> list : received) snapshot.add(List.copyOf(list));
            afterEachStep.add(snapshot);
            now += 1_000_000L;
        }
        return afterEachStep;
    }

    /** Runs the script on the real broker; returns each client's deliveries. */
    static List<List<String>> real(Script script, MosquittoBroker mosquitto, List<List<List<String>>> expected) throws Exception {
        String prefix = prefix(script.seed());
        List<List<String>> received = new ArrayList<>();
        MqttAsyncClient[] clients = new MqttAsyncClient[script.clients()];
        for (int c = 0; c < script.clients(); c++) received.add(Collections.synchronizedList(new ArrayList<>()));
        try {
            for (int s = 0; s < script.steps().size(); s++) {
                Step step = script.steps().get(s);
                int c = step.client();
                switch (step.kind()) {
                    case CONNECT: {
                        List<String> sink = received.get(c);
                        boolean clean = script.clean()[c];
                        int client = c;
                        MqttAsyncClient connected = PahoClients.connect(mosquitto, id(script.seed(), c), new MqttCallback() {
                            @Override public void connectionLost(Throwable cause) {}
                            @Override public void deliveryComplete(IMqttDeliveryToken token) {}
                            @Override public void messageArrived(String topic, MqttMessage m) {
                                sink.add(delivery(topic, m.getPayload(), m.getQos(), m.isRetained()));
                            }
                        }, options -> {
                            options.setCleanSession(clean);
                            options.setKeepAliveInterval(60);
                            options.setSocketFactory(NO_DELAY);
                            options.setWill(prefix + "w/c" + client, "will".getBytes(StandardCharsets.UTF_8), 0, false);
                        });
                        clients[c] = connected;
                        break;
                    }
                    case SUBSCRIBE:
                        clients[c].subscribe(prefix + step.topic(), step.qos()).waitForCompletion(5_000);
                        break;
                    case PUBLISH:
                        clients[c].publish(prefix + step.topic(), step.payload().getBytes(StandardCharsets.UTF_8),
                                step.qos(), step.retain()).waitForCompletion(5_000);
                        // A QoS 0 publish completes once written to the socket; a QoS 1 publish on the same
                        // connection to a topic nobody matches returns only after the broker handled both.
                        if (step.qos() == 0) clients[c].publish(BARRIER_TOPIC, new byte[0], 1, false).waitForCompletion(5_000);
                        break;
                    case DISCONNECT:
                    case LOST:
                        Thread.sleep(20); // let the acks of what it received reach the broker first
                        if (step.kind() == Kind.DISCONNECT) clients[c].disconnect(1_000).waitForCompletion(5_000);
                        else clients[c].disconnectForcibly(0, 10, false); // no DISCONNECT packet: the will goes out
                        clients[c].close(true);
                        clients[c] = null;
                        break;
                    default:
                        throw new AssertionError(step.kind());
                }
                awaitAtLeast(received, expected.get(s));
            }
            Thread.sleep(50); // anything the model did not predict has time to arrive and show up as a difference
        } finally {
            for (MqttAsyncClient client : clients) PahoClients.close(client);
        }
        List<List<String>> copies = new ArrayList<>();
        for (List<String> list : received) {
            synchronized (list) {
                copies.add(new ArrayList<>(list));
            }
        }
        return copies;
    }

    private static void awaitAtLeast(List<List<String>> received, List<List<String>> expected) throws InterruptedException {
        long deadline = System.nanoTime() + 2_000_000_000L;
        for (int c = 0; c < expected.size(); c++) {
            while (received.get(c).size() < expected.get(c).size()) {
                if (System.nanoTime() > deadline) return; // the final comparison reports what is missing
                Thread.sleep(1);
            }
        }
    }

    /** Null when the model and the broker agree on the seed, otherwise the first difference. */
    static String compare(long seed, MosquittoBroker mosquitto) throws Exception {
        Script script = script(seed);
        List<List<List<String>>> expectedSteps = model(script);
        List<List<String>> expected = expectedSteps.get(expectedSteps.size() - 1);
        List<List<String>> actual = real(script, mosquitto, expectedSteps);
        for (int c = 0; c < script.clients(); c++) {
            List<String> want = new ArrayList<>(expected.get(c));
            List<String> got = new ArrayList<>(actual.get(c));
            Collections.sort(want);
            Collections.sort(got);
            if (!want.equals(got)) {
                return "seed " + seed + ", client c" + c + " (clean=" + script.clean()[c] + "): model " + want + ", Mosquitto "
                        + got + "; rerun with -Dstoryloop.diff.seed=" + seed + "; script: " + script.steps();
            }
        }
        return null;
    }

    @Test
    @org.junit.jupiter.api.Timeout(value = 15, unit = java.util.concurrent.TimeUnit.MINUTES)
    void shouldDeliverTheSameMessagesAsMosquitto(MosquittoBroker mosquitto) throws Exception {
        Long only = Long.getLong("storyloop.diff.seed");
        long first = only != null ? only : 1;
        long last = only != null ? only : SEEDS;
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(SEEDS_AT_ONCE);
        try {
            List<java.util.concurrent.Future<String>> results = new ArrayList<>();
            for (long seed = first; seed <= last; seed++) {
                long s = seed;
                results.add(pool.submit(() -> compare(s, mosquitto)));
            }
            List<String> differences = new ArrayList<>();
            for (java.util.concurrent.Future<String> result : results) {
                String difference = result.get();
                if (difference != null) differences.add(difference);
            }
            assertThat(differences).as("seeds where the model and Mosquitto disagree, of %d", last - first + 1).isEmpty();
        } finally {
            pool.shutdownNow();
        }
    }
}
