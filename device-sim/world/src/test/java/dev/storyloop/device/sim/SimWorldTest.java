package dev.storyloop.device.sim;

import dev.storyloop.device.exec.Executor;
import dev.storyloop.device.exec.Futures;
import dev.storyloop.device.exec.Poll;
import dev.storyloop.device.exec.Sleep;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class SimWorldTest {
    private static final long MS = 1_000_000L;
    private static final long S = 1_000 * MS;

    /** Records what a client heard, with the virtual time. */
    static final class Heard implements ClientListener {
        final List<String> events = new ArrayList<>();
        final List<Long> messageTimes = new ArrayList<>();

        @Override public void onConnack(boolean sessionPresent, long now) { events.add("connack"); }
        @Override public void onMessage(Message m, int packetId, boolean dup, long now) {
            events.add(new String(m.payload(), StandardCharsets.UTF_8));
            messageTimes.add(now);
        }
        @Override public void onClosed(String reason, long now) { events.add("closed: " + reason); }

        List<String> messages() {
            return events.stream().filter(e -> !e.equals("connack") && !e.startsWith("closed")).toList();
        }
    }

    /** Connects a subscriber to "t" (hearing into {@code heard}) and a publisher; returns the publisher. */
    private static SimClient subscriberAndPublisher(SimWorld world, Heard heard, int qos, long settleNanos) {
        SimClient sub = world.client("sub", heard);
        SimClient pub = world.client("pub", new Heard());
        sub.connect(true, 0, null);
        pub.connect(true, 0, null);
        world.runFor(settleNanos);
        sub.subscribe("t", qos);
        world.runFor(settleNanos);
        return pub;
    }

    private static Message msg(String topic, String payload, int qos) {
        return new Message(topic, payload.getBytes(StandardCharsets.UTF_8), qos, false);
    }

    private static LinkProfile latency(long nanos) {
        return LinkProfile.lan().withLatency(Distribution.constant(nanos));
    }

    @Test
    void shouldDelayEachPacketByItsLinksAndKeepTheirOrder() {
        SimWorld world = new SimWorld(1, BrokerLimits.MOSQUITTO_DEFAULTS, latency(10 * MS));
        Heard heard = new Heard();
        SimClient pub = subscriberAndPublisher(world, heard, 1, 50 * MS);
        long sentAt = world.nowNanos();

        for (int i = 0; i < 5; i++) pub.publish(msg("t", "m" + i, 1));
        world.runFor(100 * MS);

        assertThat(heard.messages()).containsExactly("m0", "m1", "m2", "m3", "m4");
        assertThat(heard.messageTimes.get(0) - sentAt).as("uplink + downlink").isEqualTo(20 * MS);
        world.checkBalance();
    }

    @Test
    void shouldSendEveryPubackASlowSubscribersSendBufferCouldNotTakeOnceItDrains() {
        SimWorld world = new SimWorld(2, BrokerLimits.MOSQUITTO_DEFAULTS, latency(MS));
        world.profile("sub", latency(MS).withBandwidth(1_000_000, 24)); // room for its CONNECT, or six PUBACKs
        Heard heard = new Heard();
        SimClient sub = world.client("sub", heard, true);
        SimClient pub = world.client("pub", new Heard());
        sub.connect(true, 0, null);
        pub.connect(true, 0, null);
        world.runFor(50 * MS);
        sub.subscribe("t", 1);
        world.runFor(100 * MS);

        world.partition("sub", world.nowNanos() + 20 * MS, true, false); // its acknowledgements are held up for a while
        for (int i = 0; i < 200; i++) assertThat(pub.publish(msg("t", "m" + i, 1))).isPositive();
        world.runFor(10 * MS);
        assertThat(sub.pendingAcks()).as("acknowledgements waiting for room").isPositive();
        world.runFor(5 * S);

        assertThat(heard.messages()).hasSize(200).doesNotHaveDuplicates();
        assertThat(sub.pendingAcks()).isZero();
        assertThat(world.broker().inflight()).as("every copy acknowledged: none stuck in the window").isZero();
        world.checkBalance();
    }

    @Test
    void shouldRefuseWritesBeyondTheSendBufferAndAcceptThemAgainOnceItDrains() {
        LinkProfile slow = latency(MS).withBandwidth(10_000, 1_000); // 10 kB/s, a 1,000-byte buffer
        SimWorld world = new SimWorld(1, BrokerLimits.MOSQUITTO_DEFAULTS, LinkProfile.lan());
        world.profile("dev", slow);
        SimClient dev = world.client("dev", new Heard());
        dev.connect(true, 60, null);
        world.runFor(10 * MS);
        Message reading = new Message("t", new byte[100], 0, false);

        int accepted = 0;
        while (dev.publish(reading) >= 0) accepted++;

        assertThat(accepted).isEqualTo(1_000 / Packet.publishBytes(reading));
        world.runFor(200 * MS);
        assertThat(dev.publish(reading)).as("the buffer drained at 10 kB/s").isZero();
        world.checkBalance();
    }

    @Test
    void shouldRetransmitLostSegmentsSoNothingIsLostButLate() {
        SimWorld world = new SimWorld(7, BrokerLimits.MOSQUITTO_DEFAULTS, latency(5 * MS).withLoss(0.3));
        Heard heard = new Heard();
        SimClient pub = subscriberAndPublisher(world, heard, 0, 5 * S);

        for (int i = 0; i < 100; i++) {
            pub.publish(msg("t", "m" + i, 0));
            world.runFor(10 * MS);
        }
        world.runFor(30 * S);

        assertThat(heard.messages()).hasSize(100);
        List<String> sorted = new ArrayList<>(heard.messages());
        assertThat(heard.messages()).isEqualTo(sorted); // in order, as TCP delivers
        assertThat(heard.messages().get(99)).isEqualTo("m99");
        world.checkBalance();
    }

    @Test
    void shouldExpireAPartitionedClientAndPublishItsWill() {
        SimWorld world = new SimWorld(3, BrokerLimits.MOSQUITTO_DEFAULTS, latency(MS));
        Heard gateway = new Heard();
        Heard device = new Heard();
        SimClient gw = world.client("gw", gateway);
        SimClient dev = world.client("dev", device);
        gw.connect(true, 0, null);
        dev.connect(true, 10, msg("status/dev", "offline", 1));
        world.runFor(100 * MS);
        gw.subscribe("status/+", 1);
        world.runFor(100 * MS);

        world.partition("dev", world.nowNanos() + 60 * S, true, true);
        world.runFor(40 * S);

        assertThat(gateway.messages()).containsExactly("offline");
        assertThat(device.events).contains("closed: no PINGRESP within the keepalive");
        assertThat(world.broker().isConnected("dev")).isFalse();
        world.checkBalance();
    }

    @Test
    void shouldTellEveryClientWhenTheBrokerDiesAndLetThemReconnectAfterItsRestart() {
        SimWorld world = new SimWorld(5, new BrokerLimits(20, 1000, false), latency(2 * MS));
        Heard heard = new Heard();
        SimClient dev = world.client("dev", heard);
        dev.connect(false, 30, null);
        world.runFor(10 * MS);

        world.crashBroker();
        world.runFor(10 * MS);
        assertThat(heard.events).containsExactly("connack", "closed: broker died");
        assertThat(dev.connect(false, 30, null)).isTrue();
        world.runFor(10 * MS);
        assertThat(heard.events).as("nothing listens: refused, as a TCP reset says")
                .containsExactly("connack", "closed: broker died", "closed: connection refused (broker down)");

        world.restartBroker();
        dev.kill();
        dev.connect(false, 30, null);
        world.runFor(10 * MS);
        assertThat(heard.events).last().isEqualTo("connack");
        world.checkBalance();
    }

    @Test
    void shouldPublishTheWillOfAKilledClientOnceTheBrokerNoticesTheSocketClose() {
        SimWorld world = new SimWorld(9, BrokerLimits.MOSQUITTO_DEFAULTS, latency(4 * MS));
        Heard gateway = new Heard();
        SimClient gw = world.client("gw", gateway);
        SimClient dev = world.client("dev", new Heard());
        gw.connect(true, 0, null);
        dev.connect(true, 60, msg("status/dev", "offline", 0));
        world.runFor(20 * MS);
        gw.subscribe("status/#", 0);
        world.runFor(20 * MS);
        long killedAt = world.nowNanos();

        dev.kill();
        world.runFor(100 * MS);

        assertThat(gateway.messages()).containsExactly("offline");
        assertThat(gateway.messageTimes.get(0) - killedAt).isEqualTo(8 * MS);
    }

    @Test
    void shouldRunDeviceExecutorsOnTheWorldsClock() {
        SimWorld world = new SimWorld(11, BrokerLimits.MOSQUITTO_DEFAULTS, latency(MS));
        Heard heard = new Heard();
        SimClient gw = world.client("gw", heard);
        SimClient dev = world.client("dev", new Heard());
        gw.connect(true, 0, null);
        dev.connect(true, 0, null);
        world.runFor(10 * MS);
        gw.subscribe("telemetry", 1);
        world.runFor(10 * MS);
        Executor device = Executor.builder("dev").clock(world.clock()).build();
        world.add(device);
        Sleep tick = Sleep.forNanos(100 * MS);
        int[] sent = {0};
        device.spawn("sampler", Futures.of(cx -> {
            while (sent[0] < 10) {
                if (tick.poll(cx) == Poll.PENDING) return Poll.PENDING;
                tick.reset(100 * MS);
                dev.publish(msg("telemetry", "r" + sent[0]++, 1));
            }
            return Poll.READY;
        }));

        world.runFor(2 * S);

        assertThat(heard.messages()).hasSize(10).startsWith("r0").endsWith("r9");
        assertThat(heard.messageTimes.get(0)).isEqualTo(20 * MS + 100 * MS + 2 * MS);
        world.checkBalance();
    }

    @Test
    void shouldGiveTheSameRunForTheSameSeed() {
        assertThat(jitteryRun(42)).isEqualTo(jitteryRun(42)).isNotEqualTo(jitteryRun(43));
    }

    private static List<Long> jitteryRun(long seed) {
        LinkProfile jittery = LinkProfile.lan().withLatency(Distribution.exponential(5 * MS)).withJitter(3 * MS).withLoss(0.05);
        SimWorld world = new SimWorld(seed, BrokerLimits.MOSQUITTO_DEFAULTS, jittery);
        Heard heard = new Heard();
        SimClient pub = subscriberAndPublisher(world, heard, 1, S);
        for (int i = 0; i < 50; i++) {
            pub.publish(msg("t", "m" + i, i % 2));
            world.runFor(3 * MS);
        }
        world.runFor(10 * S);
        world.checkBalance();
        return heard.messageTimes;
    }

    @Test
    void shouldCountPublishesLostWithTheirConnection() {
        SimWorld world = new SimWorld(13, BrokerLimits.MOSQUITTO_DEFAULTS, latency(50 * MS));
        SimClient dev = world.client("dev", new Heard());
        dev.connect(true, 60, null);
        world.runFor(200 * MS);
        for (int i = 0; i < 10; i++) dev.publish(msg("t", "m" + i, 1));
        assertThat(world.clientPublishBooks()).containsExactly(10, 0, 0, 10);

        dev.kill();
        world.runFor(S);

        assertThat(world.clientPublishBooks()).as("sent, arrived, lost, in flight").containsExactly(10, 0, 10, 0);
        world.checkBalance();
    }

    @Test
    void shouldHoldEveryClientsTrafficDuringAWorldWidePartition() {
        SimWorld world = new SimWorld(17, BrokerLimits.MOSQUITTO_DEFAULTS, latency(MS));
        Heard heard = new Heard();
        SimClient pub = subscriberAndPublisher(world, heard, 0, 10 * MS);
        long start = world.nowNanos();

        world.partitionAll(start + 500 * MS, true, true);
        pub.publish(msg("t", "held", 0));
        world.runFor(2 * S);

        assertThat(heard.messages()).containsExactly("held");
        assertThat(heard.messageTimes.get(0)).isGreaterThanOrEqualTo(start + 500 * MS);
        world.checkBalance();
    }

    @Test
    void shouldDrawRandomPartitionsFromTheSeed() {
        assertThat(partitionedRun(5)).isEqualTo(partitionedRun(5));
        assertThat(partitionedRun(5)).isNotEqualTo(partitionedRun(6));
    }

    private static List<Long> partitionedRun(long seed) {
        SimWorld world = new SimWorld(seed, BrokerLimits.MOSQUITTO_DEFAULTS, latency(MS));
        Heard heard = new Heard();
        SimClient pub = subscriberAndPublisher(world, heard, 1, 10 * MS);
        world.randomPartitions(null, Distribution.exponential(200 * MS), Distribution.uniform(10 * MS, 100 * MS),
                world.nowNanos() + 5 * S, true, false);
        for (int i = 0; i < 100; i++) {
            pub.publish(msg("t", "m" + i, 1));
            world.runFor(50 * MS);
        }
        world.runFor(S);
        assertThat(heard.messages()).hasSize(100);
        world.checkBalance();
        return heard.messageTimes;
    }

    /**
     * The broker's keepalive walk at 18 s ties with a crash scheduled for 18 s at 10 s: the walk is armed
     * anew before every jump of the clock, so it runs behind the crash, finds the broker down, and closes
     * nobody. (A walk left with the arming order of when its time was first set would close the client.)
     */
    @Test
    void shouldRunTheKeepaliveWalkBehindAnEventArmedBeforeTheJumpToTheSameInstant() {
        SimWorld world = new SimWorld(1, BrokerLimits.MOSQUITTO_DEFAULTS, new KeepaliveCheck(KeepaliveCheck.Mode.MOSQUITTO_2_0, 0),
                latency(MS), new dev.storyloop.device.time.VirtualClock(), SimWorld.EVENT_CAPACITY_DEFAULT);
        SimClient silent = world.client("silent", new Heard());
        silent.connect(true, 10, null);
        world.runFor(5 * MS);
        world.partition("silent", Long.MAX_VALUE, true, true); // heard last in second 0: lapsed after second 16, noticed by the walk at 18 s
        world.runFor(10 * S);
        assertThat(world.broker().nextKeepAliveDeadlineNanos()).isEqualTo(18 * S);

        world.at(18 * S, world::crashBroker);
        world.runFor(10 * S);

        assertThat(world.broker().isRunning()).isFalse();
        assertThat(world.broker().stats().keepaliveCloses()).isZero();
    }
}
