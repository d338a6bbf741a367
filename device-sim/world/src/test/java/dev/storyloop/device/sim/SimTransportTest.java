package dev.storyloop.device.sim;

import dev.storyloop.device.diag.Diagnostics;
import dev.storyloop.device.exec.Context;
import dev.storyloop.device.exec.Executor;
import dev.storyloop.device.exec.Future;
import dev.storyloop.device.exec.Futures;
import dev.storyloop.device.exec.Poll;
import dev.storyloop.device.net.ConnectOptions;
import dev.storyloop.device.net.InboundMessage;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class SimTransportTest {
    private static final long MS = 1_000_000L;
    private static final long S = 1_000 * MS;

    private final SimWorld world = new SimWorld(21, BrokerLimits.MOSQUITTO_DEFAULTS,
            LinkProfile.lan().withLatency(Distribution.constant(5 * MS)));
    private final Executor device = Executor.builder("dev").clock(world.clock()).build();
    private final Diagnostics diagnostics = Diagnostics.attach(device);
    private final List<String> gatewayHeard = new ArrayList<>();
    private final SimClient gateway = world.client("gateway", new ClientListener() {
        @Override public void onMessage(Message m, int packetId, boolean duplicate, long now) {
            gatewayHeard.add(new String(m.payload(), StandardCharsets.UTF_8));
        }
    });

    SimTransportTest() {
        world.add(device);
        gateway.connect(true, 0, null);
        world.runFor(20 * MS);
        gateway.subscribe("telemetry/#", 1);
        world.runFor(20 * MS);
    }

    /** A firmware-like task: connect, then publish {@code count} QoS 1 readings one after another, each awaited. */
    static final class Uplink implements Future<Void> {
        final SimTransport transport;
        final int count;
        Future<Boolean> step;
        int sent;
        int failed;
        int maxInflightSeen;

        Uplink(SimTransport transport, int count) {
            this.transport = transport;
            this.count = count;
        }

        @Override
        public Poll poll(Context cx) {
            if (step == null) step = transport.connect(ConnectOptions.of(true, 30));
            while (true) {
                if (step.poll(cx) == Poll.PENDING) return Poll.PENDING;
                if (Boolean.FALSE.equals(step.output())) failed++;
                if (sent == count) return Poll.READY;
                step = transport.publish("telemetry/dev", ("r" + sent++).getBytes(StandardCharsets.UTF_8), 1, false);
                maxInflightSeen = Math.max(maxInflightSeen, transport.inflight());
            }
        }

        @Override public Void output() { return null; }
    }

    @Test
    void shouldCompleteAQoS1PublishOnlyWhenTheBrokerAcknowledgedIt() {
        SimTransport transport = new SimTransport(world, "dev");
        Uplink uplink = new Uplink(transport, 10);
        var task = device.spawn("uplink", uplink);

        world.runFor(2 * S);

        assertThat(task.isDone()).isTrue();
        assertThat(uplink.failed).isZero();
        assertThat(gatewayHeard).containsExactly("r0", "r1", "r2", "r3", "r4", "r5", "r6", "r7", "r8", "r9");
        // connect (10 ms round trip) + 10 publishes, each a 10 ms round trip to its PUBACK
        assertThat(world.broker().stats().clientPublishes()).isEqualTo(10);
        assertThat(diagnostics.lostWakerCount()).isZero();
        world.checkBalance();
    }

    @Test
    void shouldHoldPublishesWhileTheInflightWindowIsFull() {
        SimTransport transport = new SimTransport(world, "dev", 2, 8);
        List<Future<Boolean>> publishes = new ArrayList<>();
        Future<Boolean> connect = transport.connect(ConnectOptions.of(true, 30));
        device.spawn("burst", new Future<Void>() {
            int maxInflight;
            @Override public Poll poll(Context cx) {
                if (connect.poll(cx) == Poll.PENDING) return Poll.PENDING;
                if (publishes.isEmpty()) for (int i = 0; i < 6; i++) publishes.add(transport.publish("telemetry/dev", new byte[] {(byte) i}, 1, false));
                boolean all = true;
                for (Future<Boolean> p : publishes) all &= p.poll(cx) == Poll.READY;
                maxInflight = Math.max(maxInflight, transport.inflight());
                assertThat(maxInflight).isLessThanOrEqualTo(2);
                return all ? Poll.READY : Poll.PENDING;
            }
            @Override public Void output() { return null; }
        });

        world.runFor(2 * S);

        assertThat(publishes).allSatisfy(p -> assertThat(p.output()).isTrue());
        assertThat(gatewayHeard).hasSize(6);
        assertThat(diagnostics.lostWakerCount()).isZero();
    }

    @Test
    void shouldFailPendingPublishesAndReportTheLossWhenTheBrokerDies() {
        SimTransport transport = new SimTransport(world, "dev");
        Future<Boolean> connect = transport.connect(ConnectOptions.of(false, 30));
        Future<String> lost = transport.connectionLost();
        List<Future<Boolean>> publish = new ArrayList<>(List.of(Futures.ready(false)));
        String[] reason = new String[1];
        device.spawn("watch", new Future<Void>() {
            @Override public Poll poll(Context cx) {
                if (connect.poll(cx) == Poll.PENDING) return Poll.PENDING;
                if (lostWatch == null) {
                    publish.set(0, transport.publish("telemetry/dev", new byte[] {1}, 1, false));
                    lostWatch = transport.connectionLost();
                }
                publish.get(0).poll(cx);
                if (lostWatch.poll(cx) == Poll.PENDING) return Poll.PENDING;
                reason[0] = lostWatch.output();
                return Poll.READY;
            }
            Future<String> lostWatch;
            @Override public Void output() { return null; }
        });
        world.runFor(7 * MS); // CONNACK arrived, the PUBLISH is on its way
        world.crashBroker();
        world.runFor(S);

        assertThat(reason[0]).isEqualTo("broker died");
        assertThat(publish.get(0).poll(null)).isEqualTo(Poll.READY);
        assertThat(publish.get(0).output()).as("the frame was not acknowledged: the firmware keeps it").isFalse();
        assertThat(lost).isNotNull();
        assertThat(diagnostics.lostWakerCount()).isZero();
    }

    @Test
    void shouldHandInboundMessagesToTheFirmwareAndAcknowledgeQoS1WhenTaken() {
        SimTransport transport = new SimTransport(world, "dev", 10, 2);
        List<String> commands = new ArrayList<>();
        Future<Boolean> connect = transport.connect(ConnectOptions.of(true, 30));
        List<Future<Boolean>> subscribe = new ArrayList<>(List.of(Futures.ready(false)));
        device.spawn("commands", new Future<Void>() {
            Future<InboundMessage> next;
            boolean subscribed;
            @Override public Poll poll(Context cx) {
                if (connect.poll(cx) == Poll.PENDING) return Poll.PENDING;
                if (!subscribed) {
                    subscribe.set(0, transport.subscribe("cmd/dev", 1));
                    subscribed = true;
                }
                if (subscribe.get(0).poll(cx) == Poll.PENDING) return Poll.PENDING;
                while (true) {
                    if (next == null) next = transport.receive();
                    if (next.poll(cx) == Poll.PENDING) return Poll.PENDING;
                    commands.add(new String(next.output().payload(), StandardCharsets.UTF_8));
                    next = null;
                }
            }
            @Override public Void output() { return null; }
        });
        world.runFor(100 * MS);
        assertThat(subscribe.get(0).output()).isTrue();

        // Three arrive together, more than the QoS 0 room of 2: QoS 1 ones are all kept (acknowledged when taken).
        for (int i = 0; i < 3; i++) gateway.publish(new Message("cmd/dev", ("blink" + i).getBytes(StandardCharsets.UTF_8), 1, false));
        world.runFor(S);

        assertThat(commands).containsExactly("blink0", "blink1", "blink2");
        assertThat(world.broker().inflight()).as("every command was acknowledged").isZero();
        assertThat(transport.inboundDropped()).isZero();
        world.checkBalance();
    }

    @Test
    void shouldCountInboundMessagesTheFirmwareHadNoRoomFor() {
        SimTransport transport = new SimTransport(world, "dev", 10, 2);
        Future<Boolean> connect = transport.connect(ConnectOptions.of(true, 30));
        device.spawn("connect-only", connect);
        world.runFor(50 * MS);
        transport.client().subscribe("cmd/dev", 0);
        world.runFor(50 * MS);

        for (int i = 0; i < 5; i++) gateway.publish(new Message("cmd/dev", new byte[] {(byte) i}, 0, false));
        world.runFor(S);

        assertThat(transport.inboundQueued()).isEqualTo(2);
        assertThat(transport.inboundDropped()).isEqualTo(3);
    }
}
