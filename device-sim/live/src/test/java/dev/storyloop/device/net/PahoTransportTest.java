package dev.storyloop.device.net;

import dev.storyloop.device.diag.Diagnostics;
import dev.storyloop.device.exec.Context;
import dev.storyloop.device.exec.Executor;
import dev.storyloop.device.exec.Future;
import dev.storyloop.device.exec.JoinHandle;
import dev.storyloop.device.exec.Poll;
import dev.storyloop.device.exec.RunResult;
import dev.storyloop.device.exec.Timeout;
import dev.storyloop.device.time.RealClock;
import dev.storyloop.testsupport.BrokerConfig;
import dev.storyloop.testsupport.MosquittoBroker;
import dev.storyloop.testsupport.MosquittoExtension;
import dev.storyloop.testsupport.PahoClients;
import org.eclipse.paho.client.mqttv3.MqttAsyncClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The Paho transport on a real executor and a real Mosquitto, driven by small hand-written tasks. */
class PahoTransportTest {
    private static final long S = 1_000_000_000L;

    @RegisterExtension
    final MosquittoExtension mosquitto = MosquittoExtension.with(BrokerConfig.defaults().withMaxQueuedMessages(0));

    private final Executor executor = Executor.builder("paho-test").clock(new RealClock()).build();
    private final Diagnostics diagnostics = Diagnostics.attach(executor);

    /** Runs the loop on the test thread until {@code task} is done, at most {@code seconds}. */
    private void runUntilDone(JoinHandle<?> task, long seconds) {
        RunResult result = executor.run(task::isDone, executor.nowNanos() + seconds * S);
        assertThat(result).as(diagnostics.dump()).isEqualTo(RunResult.DONE);
    }

    @Test
    void shouldWaitForRoomInTheWindowWithoutARefusalAndDeliverEveryMessage(MosquittoBroker broker) throws Exception {
        List<String> heard = new CopyOnWriteArrayList<>();
        MqttAsyncClient subscriber = PahoClients.connect(broker, "sub", null, o -> o.setMaxInflight(1000));
        try (PahoTransport transport = new PahoTransport(broker.url(), "dev", 10, 32)) {
            subscriber.setCallback(new org.eclipse.paho.client.mqttv3.MqttCallback() {
                @Override public void connectionLost(Throwable cause) {}
                @Override public void messageArrived(String topic, org.eclipse.paho.client.mqttv3.MqttMessage m) {
                    heard.add(Burst.text(m.getPayload()));
                }
                @Override public void deliveryComplete(org.eclipse.paho.client.mqttv3.IMqttDeliveryToken t) {}
            });
            subscriber.subscribe("t/#", 1).waitForCompletion(3_000);
            // The broker stops (SIGSTOP) once the device is connected, so no PUBACK can free the window during
            // the burst: the eleventh publish has to wait however fast the acknowledgements would come. The
            // broker continues (SIGCONT) once the loop saw a publish waiting.
            CountDownLatch waiting = new CountDownLatch(1);
            Burst burst = new Burst(transport, 200, broker::pause, waiting::countDown);
            Thread thaw = new Thread(() -> {
                try {
                    waiting.await(20, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } finally {
                    broker.resume();
                }
            }, "thaw");
            thaw.start();
            runUntilDone(executor.spawn("burst", burst), 30);
            thaw.join();

            System.out.printf("burst of 200 QoS 1 publishes, broker stopped at connect: %d waited for room, %d found Paho's window full,"
                    + " %d refused by Paho (32202); wake latency p50 %d us, p99 %d us over %d hand-overs%n",
                    transport.session().roomWaits(), transport.windowWaits(), transport.inflightRefusals(),
                    transport.wakeLatency().total().getValueAtPercentile(50) / 1_000,
                    transport.wakeLatency().total().getValueAtPercentile(99) / 1_000, transport.wakeLatency().total().getTotalCount());
            assertThat(burst.connected).isTrue();
            assertThat(burst.waitedWhileFrozen).as("publishes waited for room while the broker was stopped").isTrue();
            assertThat(burst.succeeded).isEqualTo(200);
            assertThat(transport.session().roomWaits()).as("publishes that waited for room").isPositive();
            assertThat(transport.inflightRefusals()).as("Paho never had to refuse a publish (32202)").isZero();
            org.awaitility.Awaitility.await().until(() -> heard.size() >= 200);
            List<String> expected = new ArrayList<>();
            for (int i = 0; i < 200; i++) expected.add("m" + i);
            assertThat(heard).containsExactlyElementsOf(expected); // in order, each once
            assertThat(transport.wakeLatency().total().getTotalCount()).isGreaterThanOrEqualTo(200);
            assertThat(diagnostics.lostWakers()).isEmpty();
        } finally {
            PahoClients.close(subscriber);
        }
    }

    @Test
    void shouldWaitForPahosWindowAtQoS0WhileItsSenderIsBlockedWithoutARefusal(MosquittoBroker broker) throws Exception {
        List<String> heard = new CopyOnWriteArrayList<>();
        MqttAsyncClient subscriber = PahoClients.connect(broker, "sub", null, o -> o.setMaxInflight(1000));
        try (PahoTransport transport = new PahoTransport(broker.url(), "dev", 10, 32)) {
            subscriber.setCallback(new org.eclipse.paho.client.mqttv3.MqttCallback() {
                @Override public void connectionLost(Throwable cause) {}
                @Override public void messageArrived(String topic, org.eclipse.paho.client.mqttv3.MqttMessage m) {
                    heard.add(Burst.text(m.getPayload()));
                }
                @Override public void deliveryComplete(org.eclipse.paho.client.mqttv3.IMqttDeliveryToken t) {}
            });
            subscriber.subscribe("t/#", 0).waitForCompletion(3_000);
            // QoS 0 has no PUBACK for the session to wait on: only Paho's window (a QoS 0 publish counts until
            // written) holds the burst back. With the broker stopped, 200 messages of 64 KiB (12.5 MiB) fill the
            // socket buffers, Paho's sender blocks in its write, and the window stays full until SIGCONT.
            CountDownLatch waiting = new CountDownLatch(1);
            Burst burst = new Burst(transport, 200, broker::pause, waiting::countDown);
            burst.qos = 0;
            burst.pad = new byte[64 * 1024];
            burst.disconnectAtEnd = false; // a disconnect could drop what Paho had not written yet
            Thread thaw = new Thread(() -> {
                try {
                    waiting.await(20, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } finally {
                    broker.resume();
                }
            }, "thaw");
            thaw.start();
            runUntilDone(executor.spawn("burst", burst), 60);
            thaw.join();

            System.out.printf("QoS 0 burst of 200 x 64 KiB, broker stopped at connect: %d waited for room, %d found Paho's window full,"
                    + " %d refused by Paho (32202)%n", transport.session().roomWaits(), transport.windowWaits(), transport.inflightRefusals());
            assertThat(burst.waitedWhileFrozen).isTrue();
            assertThat(burst.succeeded).isEqualTo(200);
            assertThat(transport.windowWaits()).as("publishes that found Paho's window full").isPositive();
            assertThat(transport.inflightRefusals()).as("Paho never had to refuse a publish (32202)").isZero();
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(30)).until(() -> heard.size() >= 200);
            List<String> expected = new ArrayList<>();
            for (int i = 0; i < 200; i++) expected.add("m" + i);
            assertThat(heard).containsExactlyElementsOf(expected);
            assertThat(diagnostics.lostWakers()).isEmpty();
        } finally {
            PahoClients.close(subscriber);
        }
    }

    @Test
    void shouldGiveUpAConnectToAFrozenBrokerAndConnectAfterItThaws(MosquittoBroker broker) {
        try (PahoTransport transport = new PahoTransport(broker.url(), "dev")) {
            broker.pause();
            Attempt frozen = new Attempt(transport, 1 * S);
            runUntilDone(executor.spawn("connect-frozen", frozen), 10);
            assertThat(frozen.connected).as("no CONNACK from a stopped broker").isFalse();

            broker.resume();
            Attempt thawed = new Attempt(transport, 5 * S);
            runUntilDone(executor.spawn("connect-thawed", thawed), 10);
            assertThat(thawed.connected).isTrue();
            assertThat(transport.isConnected()).isTrue();
            assertThat(transport.connections()).isEqualTo(1);
        }
    }

    @Test
    void shouldReportTheLossWhenTheBrokerDiesAndFailOutstandingPublishes(MosquittoBroker broker) {
        try (PahoTransport transport = new PahoTransport(broker.url(), "dev")) {
            Attempt first = new Attempt(transport, 5 * S);
            runUntilDone(executor.spawn("connect", first), 10);
            assertThat(first.connected).isTrue();

            Future<String> lost = transport.connectionLost();
            JoinHandle<String> waiting = executor.spawn("wait-for-loss", lost);
            executor.run(() -> false, executor.nowNanos() + 100_000_000L);
            broker.kill();
            runUntilDone(waiting, 10);
            assertThat(waiting.output()).isNotBlank();
            assertThat(transport.isConnected()).isFalse();

            JoinHandle<Boolean> publish = executor.spawn("publish-after-loss", transport.publish("t/x", new byte[] {1}, 1, false));
            runUntilDone(publish, 5);
            assertThat(publish.output()).isFalse();
        }
    }

    /** Connects, then publishes {@code count} QoS 1 messages all at once (far more than Paho's window), awaiting each. */
    static final class Burst implements Future<Void> {
        final PahoTransport transport;
        final List<Future<Boolean>> publishes = new ArrayList<>();
        Future<Boolean> connect;
        boolean connected;
        int succeeded;
        final int count;
        final Runnable onConnected;
        final Runnable onWaiting;
        int qos = 1;
        byte[] pad = new byte[0];
        boolean disconnectAtEnd = true;
        boolean waitedWhileFrozen;

        Burst(PahoTransport transport, int count, Runnable onConnected, Runnable onWaiting) {
            this.transport = transport;
            this.count = count;
            this.onConnected = onConnected;
            this.onWaiting = onWaiting;
        }

        /** Message i is "m" + i, then a space, then the pad. */
        static String text(byte[] payload) {
            String all = new String(payload, StandardCharsets.UTF_8);
            int space = all.indexOf(' ');
            return space < 0 ? all : all.substring(0, space);
        }

        @Override
        public Poll poll(Context cx) {
            if (connect == null) connect = transport.connect(ConnectOptions.of(true, 10));
            if (!connected) {
                if (connect.poll(cx) == Poll.PENDING) return Poll.PENDING;
                connected = Boolean.TRUE.equals(connect.output());
                if (!connected) return Poll.READY;
                onConnected.run();
                for (int i = 0; i < count; i++) {
                    byte[] head = ("m" + i + (pad.length > 0 ? " " : "")).getBytes(StandardCharsets.UTF_8);
                    byte[] payload = java.util.Arrays.copyOf(head, head.length + pad.length);
                    publishes.add(transport.publish("t/burst", payload, qos, false));
                }
            }
            boolean pending = false;
            for (Future<Boolean> publish : publishes) {
                if (publish.poll(cx) == Poll.PENDING) pending = true; // polled in order: waiting ones go in order
            }
            if (pending && !waitedWhileFrozen && transport.session().roomWaits() > 0) {
                waitedWhileFrozen = true;
                onWaiting.run();
            }
            if (pending) return Poll.PENDING;
            for (Future<Boolean> publish : publishes) if (Boolean.TRUE.equals(publish.output())) succeeded++;
            if (disconnectAtEnd) transport.disconnect();
            return Poll.READY;
        }

        @Override public Void output() { return null; }
    }

    /** One connect with a deadline. */
    static final class Attempt implements Future<Void> {
        final Timeout<Boolean> connect;
        boolean connected;

        Attempt(PahoTransport transport, long deadlineNanos) {
            this.connect = Timeout.after(deadlineNanos, transport.connect(ConnectOptions.of(true, 10)));
        }

        @Override
        public Poll poll(Context cx) {
            if (connect.poll(cx) == Poll.PENDING) return Poll.PENDING;
            connected = Boolean.TRUE.equals(connect.output());
            return Poll.READY;
        }

        @Override public Void output() { return null; }
    }
}
