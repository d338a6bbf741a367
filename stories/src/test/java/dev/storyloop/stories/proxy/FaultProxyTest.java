package dev.storyloop.stories.proxy;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The fault proxy between a client and a stand-in broker (a socket that records what it reads and
 * can answer), on 127.0.0.1: partitions hold and heal in order, a full direction pushes back on its
 * sender, loss costs retransmissions from a seeded PRNG, latency is never undercut.
 */
class FaultProxyTest {
    static final Duration WAIT = Duration.ofSeconds(30);
    static final long HOUR = TimeUnit.HOURS.toNanos(1);

    private StandInBroker broker;
    private FaultProxy proxy;

    @AfterEach
    void close() throws IOException {
        if (proxy != null) proxy.close();
        if (broker != null) broker.close();
    }

    @Test
    void shouldHoldPacketsDuringAPartitionAndDeliverThemInOrderWhenItHeals() throws Exception {
        broker = StandInBroker.start();
        proxy = FaultProxy.start("127.0.0.1", broker.port(), 1);
        int port = proxy.open("d1", LinkFaults.none(64 * 1024), LinkFaults.none(64 * 1024));
        try (Socket client = new Socket("127.0.0.1", port)) {
            broker.awaitConnection();
            proxy.partition(null, true, true, Long.MAX_VALUE);
            OutputStream out = client.getOutputStream();
            for (int n = 1; n <= 3; n++) out.write(publish(n, 10));
            out.flush();
            await().atMost(WAIT).until(() -> proxy.counters("d1").held() == 3);
            assertThat(broker.received()).isEmpty();
            assertThat(proxy.counters("d1").heldByPartition()).isEqualTo(3);

            proxy.heal("d1");

            byte[] expected = concat(publish(1, 10), publish(2, 10), publish(3, 10));
            await().atMost(WAIT).until(() -> broker.received().length == expected.length);
            assertThat(broker.received()).isEqualTo(expected);
            ProxyCounters counters = proxy.counters(null);
            assertThat(counters.packetsForwarded()).isEqualTo(3);
            counters.checkBalance();
        }
    }

    @Test
    void shouldHoldOnlyTheCutDirectionInAOneWayPartition() throws Exception {
        broker = StandInBroker.start();
        proxy = FaultProxy.start("127.0.0.1", broker.port(), 1);
        int port = proxy.open("d1", LinkFaults.none(64 * 1024), LinkFaults.none(64 * 1024));
        try (Socket client = new Socket("127.0.0.1", port)) {
            broker.awaitConnection();
            proxy.partition("d1", true, false, Long.MAX_VALUE);
            client.getOutputStream().write(publish(1, 5));
            broker.send(publish(2, 5));

            byte[] down = client.getInputStream().readNBytes(publish(2, 5).length);
            assertThat(down).isEqualTo(publish(2, 5));
            await().atMost(WAIT).until(() -> proxy.counters("d1").held() == 1);
            assertThat(broker.received()).isEmpty();
        }
    }

    @Test
    void shouldStopReadingFromASenderAtTheHoldBoundAndDeliverEverythingAfterTheHeal() throws Exception {
        int bound = 4 * 1024;
        broker = StandInBroker.start();
        proxy = FaultProxy.start("127.0.0.1", broker.port(), 1);
        int port = proxy.open("d1", LinkFaults.none(bound), LinkFaults.none(bound));
        int packets = 2_000;
        byte[] expected;
        try (Socket client = new Socket("127.0.0.1", port)) {
            broker.awaitConnection();
            proxy.partition("d1", true, true, Long.MAX_VALUE);
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            for (int n = 0; n < packets; n++) all.write(publish(n, 1000));
            expected = all.toByteArray();
            AtomicReference<Throwable> failed = new AtomicReference<>();
            Thread writer = new Thread(() -> {
                try {
                    client.getOutputStream().write(expected); // blocks once the proxy stops reading
                } catch (IOException e) {
                    failed.set(e);
                }
            }, "bound-writer");
            writer.start();
            await().atMost(WAIT).until(() -> proxy.counters("d1").pausesAtBound() >= 1);
            ProxyCounters paused = proxy.counters("d1");
            // What it holds past the bound is at most one read (64 KiB).
            assertThat(paused.peakHeldBytes()).isBetween((long) bound, bound + 64 * 1024L + 1024);
            assertThat(paused.packetsRead()).isLessThan(packets);
            assertThat(broker.received()).isEmpty();

            proxy.heal(null);

            await().atMost(WAIT).until(() -> broker.received().length == expected.length);
            writer.join(TimeUnit.SECONDS.toMillis(30));
            assertThat(failed.get()).isNull();
            assertThat(broker.received()).isEqualTo(expected);
            ProxyCounters done = proxy.counters("d1");
            assertThat(done.packetsForwarded()).isEqualTo(packets);
            assertThat(done.pausesAtBound()).isGreaterThanOrEqualTo(2); // paused again while the held bytes drained
            done.checkBalance();
        }
    }

    @Test
    void shouldRetransmitLostPacketsAsTheSeededPrngSaysAndKeepTheirOrder() throws Exception {
        long first = retransmitsWithLoss(42);
        long again = retransmitsWithLoss(42);
        assertThat(first).isPositive();
        assertThat(again).isEqualTo(first);
    }

    private long retransmitsWithLoss(long seed) throws Exception {
        try (StandInBroker stand = StandInBroker.start(); FaultProxy lossy = FaultProxy.start("127.0.0.1", stand.port(), seed)) {
            LinkFaults faults = new LinkFaults(0, 0, 0.3, TimeUnit.MILLISECONDS.toNanos(1), 0, 64 * 1024);
            int port = lossy.open("d1", faults, faults);
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            for (int n = 0; n < 100; n++) all.write(publish(n, 20));
            try (Socket client = new Socket("127.0.0.1", port)) {
                stand.awaitConnection();
                client.getOutputStream().write(all.toByteArray());
                await().atMost(WAIT).until(() -> stand.received().length == all.size());
                assertThat(stand.received()).isEqualTo(all.toByteArray());
            }
            return lossy.counters("d1").retransmits();
        }
    }

    @Test
    void shouldNeverDeliverAPacketBeforeItsLatency() throws Exception {
        long latency = TimeUnit.MILLISECONDS.toNanos(200);
        broker = StandInBroker.start();
        proxy = FaultProxy.start("127.0.0.1", broker.port(), 1);
        LinkFaults faults = new LinkFaults(latency, 0, 0, LinkFaults.RETRANSMIT_TIMEOUT_NANOS, 0, 64 * 1024);
        int port = proxy.open("d1", faults, faults);
        try (Socket client = new Socket("127.0.0.1", port)) {
            broker.awaitConnection();
            long sent = System.nanoTime();
            client.getOutputStream().write(publish(1, 5));
            await().atMost(WAIT).until(() -> broker.received().length > 0);
            // A lower bound only: a loaded machine can make the packet later, never earlier.
            assertThat(broker.firstByteAtNanos() - sent).isGreaterThanOrEqualTo(latency);
        }
    }

    @Test
    void shouldCloseAClientWhoseBrokerCannotBeReachedAndCountIt() throws Exception {
        int closedPort;
        try (ServerSocket gone = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            closedPort = gone.getLocalPort();
        }
        proxy = FaultProxy.start("127.0.0.1", closedPort, 1);
        int port = proxy.open("d1", LinkFaults.none(1024), LinkFaults.none(1024));
        try (Socket client = new Socket("127.0.0.1", port)) {
            client.setSoTimeout(30_000);
            assertThat(client.getInputStream().read()).isEqualTo(-1);
        }
        await().atMost(WAIT).until(() -> proxy.counters("d1").brokerRefused() == 1);
        assertThat(proxy.counters("d1").connections()).isEqualTo(1);
    }

    @Test
    void shouldPassOnBytesThatAreNotMqttAndCountTheConnection() throws Exception {
        broker = StandInBroker.start();
        proxy = FaultProxy.start("127.0.0.1", broker.port(), 1);
        int port = proxy.open("d1", LinkFaults.none(1024), LinkFaults.none(1024));
        byte[] garbage = {0x30, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 7, 8, 9};
        try (Socket client = new Socket("127.0.0.1", port)) {
            broker.awaitConnection();
            client.getOutputStream().write(garbage);
            await().atMost(WAIT).until(() -> broker.received().length == garbage.length);
            assertThat(broker.received()).isEqualTo(garbage);
        }
        broker.closeConnection();
        await().atMost(WAIT).until(() -> proxy.counters("d1").unframed() == 1);
    }

    /** An MQTT PUBLISH (QoS 0) with a one-byte topic and {@code payload} bytes, each the packet's number. */
    static byte[] publish(int number, int payload) {
        int remaining = 2 + 1 + payload;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(0x30);
        int length = remaining;
        do {
            int digit = length % 128;
            length /= 128;
            out.write(length > 0 ? digit | 0x80 : digit);
        } while (length > 0);
        out.write(0);
        out.write(1);
        out.write('t');
        byte[] body = new byte[payload];
        Arrays.fill(body, (byte) number);
        out.writeBytes(body);
        return out.toByteArray();
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] part : parts) out.writeBytes(part);
        return out.toByteArray();
    }

    /** A one-connection TCP server standing in for the broker: records what it reads, sends what it is told. */
    static final class StandInBroker implements AutoCloseable {
        private final ServerSocket server;
        private final ByteArrayOutputStream received = new ByteArrayOutputStream();
        private volatile Socket connection;
        private volatile long firstByteAtNanos;
        private final Thread reader;

        private StandInBroker(ServerSocket server) {
            this.server = server;
            this.reader = new Thread(this::serve, "stand-in-broker");
            reader.setDaemon(true);
            reader.start();
        }

        static StandInBroker start() throws IOException {
            ServerSocket server = new ServerSocket();
            server.bind(new InetSocketAddress("127.0.0.1", 0));
            return new StandInBroker(server);
        }

        int port() {
            return server.getLocalPort();
        }

        private void serve() {
            try (Socket socket = server.accept()) {
                connection = socket;
                InputStream in = socket.getInputStream();
                byte[] buffer = new byte[8192];
                for (int read; (read = in.read(buffer)) >= 0; ) {
                    synchronized (received) {
                        if (received.size() == 0) firstByteAtNanos = System.nanoTime();
                        received.write(buffer, 0, read);
                    }
                }
            } catch (IOException closed) {
                // the test closed the server: nothing more to read
            }
        }

        void awaitConnection() {
            await().atMost(WAIT).until(() -> connection != null);
        }

        byte[] received() {
            synchronized (received) {
                return received.toByteArray();
            }
        }

        long firstByteAtNanos() {
            return firstByteAtNanos;
        }

        void send(byte[] bytes) throws IOException {
            connection.getOutputStream().write(bytes);
            connection.getOutputStream().flush();
        }

        void closeConnection() throws IOException {
            connection.close();
        }

        @Override
        public void close() throws IOException {
            server.close();
            if (connection != null) connection.close();
        }
    }
}
