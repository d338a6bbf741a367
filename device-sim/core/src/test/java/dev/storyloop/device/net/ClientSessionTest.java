package dev.storyloop.device.net;

import dev.storyloop.device.exec.Executor;
import dev.storyloop.device.exec.Future;
import dev.storyloop.device.exec.JoinHandle;
import dev.storyloop.device.time.VirtualClock;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The MQTT client session alone: events driven by hand through a recording wire, on an executor stepped by hand. */
class ClientSessionTest {
    private static final int STEPS_MAX = 60;
    private static final byte[] PAYLOAD = "r".getBytes(StandardCharsets.UTF_8);

    /** A medium that records what the session asked and answers as the test says. */
    static final class RecordingWire implements SessionWire {
        final List<String> actions = new ArrayList<>();
        boolean openable = true;
        int room = Integer.MAX_VALUE; // publishes the medium takes before it says "no room"
        int lastPacketId;
        SessionOp<?> lastOp;
        final List<Long> answersTaken = new ArrayList<>();

        @Override public String clientId() { return "dev"; }
        @Override public boolean open(ConnectOptions options, SessionOp<?> connect) {
            actions.add("CONNECT");
            return openable;
        }
        @Override public void abandon() { actions.add("ABANDON"); }
        @Override public int publish(String topic, byte[] payload, int qos, boolean retained, SessionOp<?> op) {
            if (room == 0) return NO_ROOM;
            room--;
            lastOp = op;
            actions.add("PUBLISH " + topic + " q" + qos);
            return qos == 0 ? 0 : ++lastPacketId;
        }
        @Override public boolean subscribe(String filter, int qos, SessionOp<?> op) {
            actions.add("SUBSCRIBE " + filter);
            return true;
        }
        @Override public void acknowledge(int packetId) { actions.add("PUBACK " + packetId); }
        @Override public void sendDisconnect() { actions.add("DISCONNECT"); }
        @Override public void answerTaken(long stamp) { answersTaken.add(stamp); }
    }

    private final VirtualClock clock = new VirtualClock();
    private final Executor executor = Executor.builder("session").clock(clock).build();
    private final RecordingWire wire = new RecordingWire();
    private final ClientSession session = new ClientSession(wire, "mqtt:dev", 3, 2);

    private <T> JoinHandle<T> spawn(Future<T> future) {
        JoinHandle<T> handle = executor.spawn("t", future);
        settle();
        return handle;
    }

    private void settle() {
        while (executor.runBatch() > 0) {
            // run until nothing is ready: every wake the events caused has been polled
        }
    }

    private void connect() {
        JoinHandle<Boolean> connecting = spawn(session.connect(ConnectOptions.of(true, 30)));
        assertThat(connecting.isDone()).isFalse();
        session.onConnack(false, 1);
        settle();
        assertThat(connecting.output()).isTrue();
    }

    @Test
    void shouldFinishTheConnectOnConnackAndFailItWhenClosedFirst() {
        connect();
        assertThat(session.isConnected()).isTrue();
        assertThat(session.connections()).isEqualTo(1);

        session.onClosed("broker gone", 2);
        JoinHandle<Boolean> again = spawn(session.connect(ConnectOptions.of(true, 30)));
        session.onClosed("connection refused", 3);
        settle();
        assertThat(again.output()).isFalse();
        assertThat(session.lastLossReason()).isEqualTo("connection refused");
        assertThat(session.connections()).isEqualTo(1);
    }

    @Test
    void shouldAbandonTheHalfOpenConnectionWhenTheConnectIsCancelled() {
        JoinHandle<Boolean> connecting = spawn(session.connect(ConnectOptions.of(true, 30)));
        connecting.abort(); // as a deadline does: the future's cancel hook runs
        settle();
        assertThat(wire.actions).containsExactly("CONNECT", "ABANDON");
        assertThat(session.lastLossReason()).startsWith("connect abandoned");
        session.onConnack(false, 1); // late: nobody waits for it any more
        assertThat(wire.actions).containsExactly("CONNECT", "ABANDON");
    }

    @Test
    void shouldHoldQoS1PublishesBeyondTheWindowAndSendThemInOrderAsAcksArrive() {
        connect();
        List<JoinHandle<Boolean>> publishes = new ArrayList<>();
        for (int i = 0; i < 5; i++) publishes.add(spawn(session.publish("t/" + i, PAYLOAD, 1, false)));

        assertThat(session.inflight()).isEqualTo(3);
        assertThat(wire.actions).containsExactly("CONNECT", "PUBLISH t/0 q1", "PUBLISH t/1 q1", "PUBLISH t/2 q1");
        assertThat(session.roomWaits()).isEqualTo(2);

        session.onPuback(1, 5);
        settle();
        assertThat(publishes.get(0).output()).isTrue();
        assertThat(wire.actions).endsWith("PUBLISH t/3 q1");
        assertThat(publishes.get(4).isDone()).isFalse();

        session.onPuback(2, 6);
        session.onPuback(99, 6); // stray (an earlier connection's): ignored
        settle();
        assertThat(wire.actions).endsWith("PUBLISH t/3 q1", "PUBLISH t/4 q1");
        assertThat(session.inflight()).isEqualTo(3);
    }

    @Test
    void shouldLetNoPublishOvertakeOneWaitingForRoomOnTheWire() {
        connect();
        wire.room = 1;
        JoinHandle<Boolean> first = spawn(session.publish("a", PAYLOAD, 0, false));
        JoinHandle<Boolean> second = spawn(session.publish("b", PAYLOAD, 0, false));
        JoinHandle<Boolean> third = spawn(session.publish("c", PAYLOAD, 0, false));
        assertThat(first.output()).isTrue();
        assertThat(second.isDone()).isFalse();

        wire.room = 1; // room for one: it must be the one that asked first
        session.onRoom(7);
        settle();
        assertThat(second.output()).isTrue();
        assertThat(third.isDone()).isFalse();
        assertThat(wire.actions).containsExactly("CONNECT", "PUBLISH a q0", "PUBLISH b q0");
    }

    @Test
    void shouldFailEveryOutstandingOperationWhenTheConnectionIsLost() {
        connect();
        JoinHandle<String> lost = spawn(session.connectionLost());
        List<JoinHandle<Boolean>> publishes = new ArrayList<>();
        for (int i = 0; i < 4; i++) publishes.add(spawn(session.publish("t", PAYLOAD, 1, false)));
        JoinHandle<Boolean> subscribe = spawn(session.subscribe("cmd/#", 1));

        session.onClosed("keepalive lapsed", 9);
        settle();

        assertThat(lost.output()).isEqualTo("keepalive lapsed");
        assertThat(publishes).allSatisfy(p -> assertThat(p.output()).isFalse());
        assertThat(subscribe.output()).isFalse();
        assertThat(session.inflight()).isZero();
        assertThat(executor.liveTasks()).isZero();
        assertThat(session.lostAtNanos()).isEqualTo(9);
        // Asked after the loss, the answer is at once.
        JoinHandle<String> late = spawn(session.connectionLost());
        assertThat(late.output()).isEqualTo("keepalive lapsed");
    }

    @Test
    void shouldTakeAPubackAnsweredInTheOpAndCountItEvenWhenTheLossIsHeardFirst() {
        connect();
        JoinHandle<Boolean> first = spawn(session.publish("t", PAYLOAD, 1, false));
        wire.lastOp.answer(111); // as Paho's callback thread does
        settle();
        assertThat(first.output()).isTrue();
        assertThat(session.inflight()).isZero();

        JoinHandle<Boolean> second = spawn(session.publish("t", PAYLOAD, 1, false));
        JoinHandle<Boolean> third = spawn(session.publish("t", PAYLOAD, 1, false));
        wire.lastOp.answer(222);       // the third's PUBACK came ...
        session.onClosed("reset", 8);  // ... and then the connection broke, before the loop looked
        settle();
        assertThat(second.output()).isFalse();
        assertThat(third.output()).isTrue();
        assertThat(wire.answersTaken).containsExactly(111L, 222L);
    }

    @Test
    void shouldAnswerSubscribesInOrder() {
        connect();
        JoinHandle<Boolean> cmd = spawn(session.subscribe("cmd/#", 1));
        JoinHandle<Boolean> flow = spawn(session.subscribe("flow/#", 1));
        session.onSuback(true, 3);
        session.onSuback(false, 3);
        settle();
        assertThat(cmd.output()).isTrue();
        assertThat(flow.output()).isFalse();
    }

    @Test
    void shouldDropQoS0BeyondTheInboundCapacityKeepQoS1AndAcknowledgeWhenTaken() {
        connect();
        for (int i = 0; i < 4; i++) session.onMessage(new InboundMessage("cmd/" + i, PAYLOAD, 0, false, false), 0, 4);
        session.onMessage(new InboundMessage("cmd/q1", PAYLOAD, 1, false, false), 42, 4);
        assertThat(session.inboundQueued()).isEqualTo(3);
        assertThat(session.inboundDropped()).isEqualTo(2);

        List<String> taken = new ArrayList<>();
        for (int i = 0; i < 3; i++) taken.add(spawn(session.receive()).output().topic());
        assertThat(taken).containsExactly("cmd/0", "cmd/1", "cmd/q1");
        assertThat(wire.actions).endsWith("PUBACK 42");
        assertThat(session.inboundQueued()).isZero();
    }

    @Test
    void shouldWakeTheReceiverWhenAMessageArrives() {
        connect();
        JoinHandle<InboundMessage> receiving = spawn(session.receive());
        assertThat(receiving.isDone()).isFalse();
        session.onMessage(new InboundMessage("cmd/x", PAYLOAD, 1, false, false), 7, 5);
        settle();
        assertThat(receiving.output().topic()).isEqualTo("cmd/x");
        assertThat(wire.actions).endsWith("PUBACK 7");
    }

    @Test
    void shouldRefuseQoS1PastTheOverflowRoomAndLeaveItUnacknowledged() {
        connect();
        int bound = 2 + ClientSession.QOS1_OVERFLOW_MAX;
        for (int i = 0; i < bound + 3; i++) session.onMessage(new InboundMessage("cmd", PAYLOAD, 1, false, false), i + 1, 4);
        assertThat(session.inboundQueued()).isEqualTo(bound);
        assertThat(session.inboundRefused()).isEqualTo(3);
        assertThat(wire.actions).noneMatch(a -> a.startsWith("PUBACK"));
    }

    @Test
    void shouldKeepInboundOrderAndPacketIdsWhileTheRingGrowsFromAWrappedHead() {
        connect();
        int initial = ClientSession.INBOUND_RING_INITIAL;
        for (int i = 1; i <= initial; i++) session.onMessage(new InboundMessage("cmd/" + i, PAYLOAD, 1, false, false), i, 4);
        for (int i = 0; i < initial - 1; i++) spawn(session.receive()); // the head is now at the ring's last index
        int last = initial + 3 * initial; // enough to grow the ring twice
        for (int i = initial + 1; i <= last; i++) session.onMessage(new InboundMessage("cmd/" + i, PAYLOAD, 1, false, false), i, 4);
        assertThat(session.inboundQueued()).isEqualTo(last - initial + 1);

        List<String> taken = new ArrayList<>();
        while (session.inboundQueued() > 0) taken.add(spawn(session.receive()).output().topic());
        List<String> expected = new ArrayList<>();
        for (int i = initial; i <= last; i++) expected.add("cmd/" + i);
        assertThat(taken).containsExactlyElementsOf(expected);
        List<String> acks = wire.actions.stream().filter(a -> a.startsWith("PUBACK")).toList();
        assertThat(acks).hasSize(last);
        for (int i = 1; i <= last; i++) assertThat(acks.get(i - 1)).isEqualTo("PUBACK " + i);
    }

    @Test
    void shouldForgetWhatItHeldOnAPowerCut() {
        connect();
        session.onMessage(new InboundMessage("cmd", PAYLOAD, 1, false, false), 1, 4);
        JoinHandle<Boolean> publish = spawn(session.publish("t", PAYLOAD, 1, false));
        session.powerCut();
        settle();
        assertThat(session.inboundQueued()).isZero();
        assertThat(publish.output()).isFalse();
        assertThat(session.lastLossReason()).isEqualTo("power cut");
    }

    @Test
    void shouldSendDisconnectOnlyWhenConnected() {
        session.disconnect();
        assertThat(wire.actions).isEmpty();
        connect();
        session.disconnect();
        assertThat(wire.actions).containsExactly("CONNECT", "DISCONNECT");
        assertThat(session.isConnected()).isFalse();
    }

    /** Publishes, acknowledgements, room and losses in any order: the window holds, and every publish ends once the connection does. */
    @Property(tries = 200)
    void shouldKeepTheWindowAndEndEveryPublish(@ForAll("steps") List<Integer> steps) {
        VirtualClock clock = new VirtualClock();
        Executor loop = Executor.builder("session").clock(clock).taskCapacity(STEPS_MAX * 2 + 2).build(); // a task per step at most
        RecordingWire medium = new RecordingWire();
        ClientSession s = new ClientSession(medium, "mqtt:dev", 3, 2);
        List<JoinHandle<Boolean>> publishes = new ArrayList<>();
        loop.spawn("connect", s.connect(ConnectOptions.of(true, 30)));
        s.onConnack(false, 0);
        long now = 0;
        for (int step : steps) {
            now++;
            switch (step) {
                case 0, 1, 2 -> publishes.add(loop.spawn("p", s.publish("t", PAYLOAD, step == 0 ? 0 : 1, false)));
                case 3 -> s.onPuback(medium.lastPacketId - s.inflight() + 1, now); // the oldest in flight
                case 4 -> { medium.room = medium.room == 0 ? 2 : 0; s.onRoom(now); }
                default -> {
                    s.onClosed("lost", now);
                    loop.spawn("reconnect", s.connect(ConnectOptions.of(true, 30)));
                    while (loop.runBatch() > 0) { }
                    s.onConnack(false, now);
                }
            }
            while (loop.runBatch() > 0) { }
            assertThat(s.inflight()).isBetween(0, 3);
        }
        s.onClosed("end", now + 1);
        while (loop.runBatch() > 0) { }
        assertThat(publishes).allSatisfy(p -> assertThat(p.isDone()).isTrue());
        long published = medium.actions.stream().filter(a -> a.startsWith("PUBLISH")).count();
        long succeeded = publishes.stream().filter(p -> Boolean.TRUE.equals(p.output())).count();
        assertThat(succeeded).isLessThanOrEqualTo(published); // nothing is reported delivered that never went out
    }

    @Provide
    Arbitrary<List<Integer>> steps() {
        return Arbitraries.integers().between(0, 5).list().ofMinSize(1).ofMaxSize(STEPS_MAX);
    }
}
