package dev.storyloop.device.sim;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class SimBrokerTest {
    private static final long S = 1_000_000_000L;

    /** Records what the broker wrote, as short lines: "pi-1 <- PUBLISH t/x 'a' qos1 id1". */
    final class Recording implements BrokerReplies {
        private final List<String> packets = new ArrayList<>();

        /** Everything the broker wrote so far (its outbox drained first). */
        List<String> packets() {
            BrokerReplies.drain(broker, this);
            return packets;
        }

        @Override public void connack(String client, boolean sessionPresent) {
            packets.add(client + " <- CONNACK" + (sessionPresent ? " session-present" : ""));
        }
        @Override public void publish(String client, Message m, int id, boolean dup) {
            packets.add(client + " <- PUBLISH " + m.topic() + " '" + new String(m.payload(), StandardCharsets.UTF_8) + "' qos"
                    + m.qos() + (m.qos() == 1 ? " id" + id : "") + (m.retain() ? " retained" : "") + (dup ? " dup" : ""));
        }
        @Override public void puback(String client, int id) { packets.add(client + " <- PUBACK id" + id); }
        @Override public void suback(String client, int granted) { packets.add(client + " <- SUBACK " + granted); }
        @Override public void close(String client, String reason) { packets.add(client + " <- CLOSE " + reason); }

        List<String> to(String client, String kind) {
            return packets().stream().filter(p -> p.startsWith(client + " <- " + kind)).toList();
        }
    }

    private SimBroker broker = new SimBroker(BrokerLimits.MOSQUITTO_DEFAULTS);
    private final Recording port = new Recording();

    private static Message msg(String topic, String payload, int qos, boolean retain) {
        return new Message(topic, payload.getBytes(StandardCharsets.UTF_8), qos, retain);
    }

    @AfterEach
    void booksBalance() {
        broker.checkBalance();
    }

    @Test
    void shouldDeliverQoS1AndFreeTheWindowOnPuback() {
        broker.connect(0, "sub", true, 60, null);
        broker.subscribe(0, "sub", "t/#", 1);
        broker.connect(0, "pub", true, 60, null);

        broker.publish(1, "pub", msg("t/a", "x", 1, false), 7);
        broker.puback(2, "sub", 1);

        assertThat(port.packets()).containsSubsequence("pub <- PUBACK id7", "sub <- PUBLISH t/a 'x' qos1 id1");
        assertThat(broker.stats().delivered()).isEqualTo(1);
        assertThat(broker.inflight()).isZero();
    }

    @Test
    void shouldRouteTheSameTopicStringAfreshWhenFiltersComeAndGo() {
        // The route of a client's last topic is kept on its session: it must follow the index as filters enter
        // and leave it, the same String published every time.
        String topic = "t/a";
        broker.connect(0, "pub", true, 60, null);
        broker.publish(1, "pub", msg(topic, "1", 0, false), 0);
        broker.connect(1, "wild", true, 60, null);
        broker.subscribe(1, "wild", "t/+", 0);
        broker.publish(2, "pub", msg(topic, "2", 0, false), 0);
        broker.connect(2, "literal", true, 60, null);
        broker.subscribe(2, "literal", topic, 0);
        broker.publish(3, "pub", msg(topic, "3", 0, false), 0);
        broker.connect(3, "late", true, 60, null);
        broker.subscribe(3, "late", "t/+", 0); // an entry that is already indexed: read when routing, not cached
        broker.publish(4, "pub", msg(topic, "4", 0, false), 0);
        broker.unsubscribe(4, "wild", "t/+");
        broker.unsubscribe(4, "late", "t/+");
        broker.unsubscribe(4, "literal", topic);
        broker.publish(5, "pub", msg(topic, "5", 0, false), 0);
        broker.subscribe(5, "late", "t/#", 0);
        broker.publish(6, "pub", msg(topic, "6", 0, false), 0);

        assertThat(port.to("wild", "PUBLISH")).containsExactly("wild <- PUBLISH t/a '2' qos0", "wild <- PUBLISH t/a '3' qos0",
                "wild <- PUBLISH t/a '4' qos0");
        assertThat(port.to("literal", "PUBLISH")).containsExactly("literal <- PUBLISH t/a '3' qos0", "literal <- PUBLISH t/a '4' qos0");
        assertThat(port.to("late", "PUBLISH")).containsExactly("late <- PUBLISH t/a '4' qos0", "late <- PUBLISH t/a '6' qos0");
        assertThat(broker.stats().unrouted()).isEqualTo(2);
    }

    @Test
    void shouldFindASessionThroughItsPortOnlyWhileItIsTheClientsAndWriteToThePortOfTheLastConnect() {
        SimBroker.Port first = port("first");
        SimBroker.Port second = port("second");
        Packet connect = new Packet.Connect(true, 60, null);
        broker.receive(0, first, "dev", Packet.Type.CONNECT, connect.flatArg(), connect.flatRef());
        assertThat(outputs()).containsExactly("CONNACK -> first");

        // A new connection takes the client over: its clean session ends, and a new one answers on the new port.
        broker.receive(1, second, "dev", Packet.Type.CONNECT, connect.flatArg(), connect.flatRef());
        assertThat(outputs()).containsExactly("CLOSE -> first", "CONNACK -> second");

        // The old port still names the ended session; the broker looks the client up again and answers on its port.
        broker.receive(2, first, "dev", Packet.Type.PUBLISH, Packet.publishArg(5, false), msg("t/a", "x", 1, false));
        assertThat(outputs()).containsExactly("PUBACK -> second");
    }

    private static SimBroker.Port port(String name) {
        return new SimBroker.Port() {
            @Override
            public String toString() {
                return name;
            }
        };
    }

    /** The outbox as "TYPE -> port" lines, then cleared. */
    private List<String> outputs() {
        Outbox out = broker.outbox();
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < out.size(); i++) {
            SimBroker.Port port = out.port(i);
            lines.add(out.type(i) + " -> " + (port == null ? "none" : port.toString()));
        }
        out.clear();
        return lines;
    }

    @Test
    void shouldQueueBehindTheInflightWindowAndDropBeyondTheQueueAsMosquittoDoes() {
        broker = new SimBroker(new BrokerLimits(1, 5, false));
        broker.connect(0, "slow-sub", true, 60, null);
        broker.subscribe(0, "slow-sub", "fixture/slow", 1);
        broker.connect(0, "fast-pub", true, 60, null);

        for (int i = 0; i < 50; i++) broker.publish(1, "fast-pub", msg("fixture/slow", "m" + i, 1, false), i + 1);

        assertThat(port.to("slow-sub", "PUBLISH")).containsExactly("slow-sub <- PUBLISH fixture/slow 'm0' qos1 id1");
        assertThat(broker.queued("slow-sub")).isEqualTo(5);
        assertThat(broker.stats().dropped(DropReason.QUEUE_FULL)).isEqualTo(44);
        broker.checkBalance();

        for (int id = 1; id <= 6; id++) broker.puback(2, "slow-sub", id);

        assertThat(port.to("slow-sub", "PUBLISH")).hasSize(6).last().isEqualTo("slow-sub <- PUBLISH fixture/slow 'm5' qos1 id6");
        assertThat(broker.stats().delivered()).isEqualTo(6);
    }

    @Test
    void shouldDowngradeToTheSubscriptionQoS() {
        broker.connect(0, "sub", true, 60, null);
        broker.subscribe(0, "sub", "t/+", 0);
        broker.connect(0, "pub", true, 60, null);

        broker.publish(1, "pub", msg("t/a", "x", 1, false), 1);

        assertThat(port.to("sub", "PUBLISH")).containsExactly("sub <- PUBLISH t/a 'x' qos0");
    }

    @Test
    void shouldKeepRetainedMessagesForLaterSubscribersAndClearThemWithAnEmptyPayload() {
        broker.connect(0, "dev", true, 60, null);
        broker.publish(0, "dev", msg("storyloop/v1/dev/status", "online", 1, true), 1);
        broker.connect(1, "late", true, 60, null);

        broker.subscribe(1, "late", "storyloop/v1/+/status", 1);

        assertThat(port.to("late", "PUBLISH")).containsExactly("late <- PUBLISH storyloop/v1/dev/status 'online' qos1 id1 retained");
        broker.publish(2, "dev", msg("storyloop/v1/dev/status", "", 0, true), 0);
        assertThat(broker.retainedCount()).isZero();
        assertThat(port.to("late", "PUBLISH")).last().isEqualTo("late <- PUBLISH storyloop/v1/dev/status '' qos0");
        broker.puback(3, "late", 1);
    }

    @Test
    void shouldPublishTheWillWhenTheConnectionIsLostButNotOnDisconnect() {
        broker.connect(0, "gw", true, 60, null);
        broker.subscribe(0, "gw", "storyloop/v1/+/status", 0);
        Message will = msg("storyloop/v1/a/status", "offline", 0, true);
        broker.connect(0, "a", true, 60, will);
        broker.connect(0, "b", true, 60, msg("storyloop/v1/b/status", "offline", 0, true));

        broker.disconnect(1, "b");
        broker.connectionLost(1, "a");

        assertThat(port.to("gw", "PUBLISH")).containsExactly("gw <- PUBLISH storyloop/v1/a/status 'offline' qos0");
        assertThat(broker.retainedCount()).isEqualTo(1);
    }

    @Test
    void shouldTellTheEarliestKeepaliveDeadlineAsSessionsComeAndAct() {
        broker = new SimBroker(BrokerLimits.MOSQUITTO_DEFAULTS, KeepaliveCheck.SPEC);
        broker.connect(0, "slow", true, 100, null);
        assertThat(broker.nextKeepAliveDeadlineNanos()).isEqualTo(150 * S + 1);

        broker.connect(1 * S, "fast", true, 10, null); // filed behind a front already asked for: it is the new front
        assertThat(broker.nextKeepAliveDeadlineNanos()).isEqualTo(16 * S + 1);

        broker.pingreq(2 * S, "fast"); // the front heard from: its deadline moves, and the next is asked again
        assertThat(broker.nextKeepAliveDeadlineNanos()).isEqualTo(17 * S + 1);
        broker.disconnect(3 * S, "fast");
        assertThat(broker.nextKeepAliveDeadlineNanos()).isEqualTo(150 * S + 1);
    }

    @Test
    void shouldExpireAKeepaliveAfterExactlyOneAndAHalfIntervalsWhenAskedForTheSpecsRule() {
        broker = new SimBroker(BrokerLimits.MOSQUITTO_DEFAULTS, KeepaliveCheck.SPEC);
        broker.connect(0, "gw", true, 0, null);
        broker.subscribe(0, "gw", "will/#", 0);
        broker.connect(0, "dev", true, 10, msg("will/dev", "gone", 0, false));

        broker.tick(15 * S);
        assertThat(broker.isConnected("dev")).isTrue();
        assertThat(broker.nextKeepAliveDeadlineNanos()).isEqualTo(15 * S + 1);
        broker.tick(15 * S + 1);

        assertThat(broker.isConnected("dev")).isFalse();
        assertThat(port.packets()).containsSubsequence("dev <- CLOSE keepalive expired", "gw <- PUBLISH will/dev 'gone' qos0");
    }

    @Test
    void shouldQueueQoS1ForAnOfflinePersistentSessionAndResendOnReconnect() {
        broker = new SimBroker(new BrokerLimits(2, 3, false));
        broker.connect(0, "gw", false, 60, null);
        broker.subscribe(0, "gw", "t", 1);
        broker.connect(0, "pub", true, 60, null);
        broker.publish(1, "pub", msg("t", "in-flight", 1, false), 1);
        broker.connectionLost(2, "gw");

        broker.publish(3, "pub", msg("t", "q1", 1, false), 2);
        broker.publish(3, "pub", msg("t", "q2", 1, false), 3);
        broker.publish(3, "pub", msg("t", "too-many", 1, false), 4); // 1 in flight + 2 queued = 3: full
        broker.publish(3, "pub", msg("t", "qos0", 0, false), 0);

        assertThat(broker.stats().dropped(DropReason.QUEUE_FULL)).isEqualTo(1);
        assertThat(broker.stats().dropped(DropReason.OFFLINE_QOS0)).isEqualTo(1);
        port.packets().clear();
        broker.connect(4, "gw", false, 60, null);

        assertThat(port.to("gw", "")).containsExactly(
                "gw <- CONNACK session-present",
                "gw <- PUBLISH t 'in-flight' qos1 id1 dup",
                "gw <- PUBLISH t 'q1' qos1 id2");
        assertThat(broker.queued("gw")).isEqualTo(1);
    }

    @Test
    void shouldForgetACleanSessionAtDisconnect() {
        broker.connect(0, "c", true, 60, null);
        broker.subscribe(0, "c", "t", 1);
        broker.disconnect(1, "c");

        assertThat(broker.hasSession("c")).isFalse();
        broker.connect(2, "c", false, 60, null);
        assertThat(port.packets()).last().isEqualTo("c <- CONNACK");
    }

    @Test
    void shouldLoseEverythingInACrashWithoutPersistence() {
        broker = new SimBroker(new BrokerLimits(1, 10, false));
        broker.connect(0, "gw", false, 60, null);
        broker.subscribe(0, "gw", "t", 1);
        broker.connect(0, "pub", true, 60, null);
        for (int i = 0; i < 4; i++) broker.publish(1, "pub", msg("t", "m" + i, 1, true), i + 1);

        broker.crash(2);

        assertThat(broker.isRunning()).isFalse();
        assertThat(broker.connect(3, "gw", false, 60, null)).isFalse();
        broker.restart(4);
        assertThat(broker.hasSession("gw")).isFalse();
        assertThat(broker.retainedCount()).isZero();
        assertThat(broker.stats().dropped(DropReason.BROKER_CRASH)).isEqualTo(4);
    }

    @Test
    void shouldKeepPersistentSessionsAcrossACrashWithPersistence() {
        broker = new SimBroker(new BrokerLimits(1, 10, true));
        broker.connect(0, "gw", false, 60, null);
        broker.subscribe(0, "gw", "t", 1);
        broker.connect(0, "pub", true, 60, null);
        broker.publish(1, "pub", msg("t", "m0", 1, false), 1);
        broker.publish(1, "pub", msg("t", "m1", 1, false), 2);

        broker.crash(2);
        broker.restart(3);
        port.packets().clear();
        broker.connect(4, "gw", false, 60, null);

        assertThat(port.to("gw", "")).containsExactly("gw <- CONNACK session-present", "gw <- PUBLISH t 'm0' qos1 id1 dup");
        assertThat(broker.queued("gw")).isEqualTo(1);
    }

    @Test
    void shouldExpireAKeepaliveOnMosquittosSixSecondWalkInWholeSeconds() {
        // Whole seconds start 0.25 s after time zero's second; the broker walks its clients at seconds 6, 12, ...
        broker = new SimBroker(BrokerLimits.MOSQUITTO_DEFAULTS,
                new KeepaliveCheck(KeepaliveCheck.Mode.MOSQUITTO_2_0, 750_000_000L));
        broker.connect(0, "gw", true, 0, null);
        broker.subscribe(0, "gw", "will/#", 0);
        broker.connect(S, "dev", true, 2, msg("will/dev", "gone", 0, false)); // in second 1: lapsed from second 5 on

        assertThat(broker.nextKeepAliveDeadlineNanos()).isEqualTo(6 * S - 750_000_000L);
        broker.tick(6 * S - 750_000_000L - 1);
        assertThat(broker.isConnected("dev")).isTrue();
        broker.tick(6 * S - 750_000_000L);

        assertThat(broker.isConnected("dev")).isFalse();
        assertThat(port.packets()).containsSubsequence("dev <- CLOSE keepalive expired", "gw <- PUBLISH will/dev 'gone' qos0");
        assertThat(broker.stats().keepaliveCloses()).isEqualTo(1);
        assertThat(broker.stats().willSilenceNanosMax()).isEqualTo(5 * S - 750_000_000L); // from the CONNECT at 1 s to the walk at 5.25 s
    }

    @Test
    void shouldNeverExpireASilenceOfExactlyOneAndAHalfKeepalivesOnMosquitto() {
        broker.connect(0, "dev", true, 2, null);
        for (long t = 0; t <= 60 * S; t += 3 * S) broker.pingreq(t, "dev"); // 3.0 s silences: never more than 3 whole seconds
        broker.tick(60 * S);

        assertThat(broker.isConnected("dev")).isTrue();
        assertThat(broker.stats().keepaliveCloses()).isZero();
    }

    @Test
    void shouldCloseTheOldConnectionOnTakeoverOfAPersistentSessionWithoutItsWill() {
        broker.connect(0, "gw", true, 60, null);
        broker.subscribe(0, "gw", "w", 0);
        broker.connect(0, "dev", false, 60, msg("w", "old-conn-died", 0, false));

        broker.connect(1, "dev", false, 60, null);

        assertThat(port.packets()).containsSubsequence("dev <- CLOSE taken over by a new connection", "dev <- CONNACK session-present");
        assertThat(port.to("gw", "PUBLISH")).isEmpty();
        assertThat(broker.stats().wills()).isZero();
    }

    @Test
    void shouldPublishTheOldConnectionsWillOnTakeoverWhenEitherSessionIsClean() {
        broker.connect(0, "gw", true, 60, null);
        broker.subscribe(0, "gw", "w", 0);
        broker.connect(0, "dev", true, 60, msg("w", "clean-old", 0, false));
        broker.connect(1, "dev", false, 60, msg("w", "persistent-old", 0, false));
        broker.connect(2, "dev", true, 60, null);

        assertThat(port.to("gw", "PUBLISH")).containsExactly("gw <- PUBLISH w 'clean-old' qos0", "gw <- PUBLISH w 'persistent-old' qos0");
    }

    @Test
    void shouldCloseTheConnectionOnAMalformedFilterAndPublishTheWill() {
        broker.connect(0, "gw", true, 60, null);
        broker.subscribe(0, "gw", "w/#", 0);
        for (String bad : new String[] {"a/#/b", "a/b+", ""}) {
            broker.connect(0, "c", true, 60, msg("w/c", bad, 0, false));
            broker.subscribe(0, "c", bad, 1);
            assertThat(broker.isConnected("c")).as(bad).isFalse();
        }
        broker.connect(0, "c", true, 60, msg("w/c", "qos3", 0, false));
        broker.subscribe(0, "c", "a", 3);

        assertThat(port.to("c", "SUBACK")).isEmpty();
        assertThat(port.to("gw", "PUBLISH")).containsExactly("gw <- PUBLISH w/c 'a/#/b' qos0", "gw <- PUBLISH w/c 'a/b+' qos0",
                "gw <- PUBLISH w/c '' qos0", "gw <- PUBLISH w/c 'qos3' qos0");
        assertThat(broker.stats().malformedPackets()).isEqualTo(4);
    }

    @Test
    void shouldCloseTheConnectionOnAPublishToAWildcardTopicWithoutRoutingIt() {
        broker.connect(0, "all", true, 60, null);
        broker.subscribe(0, "all", "#", 1);
        broker.connect(0, "pub", true, 60, msg("will/pub", "gone", 0, false));

        broker.publish(1, "pub", msg("a/+", "wild", 1, false), 5);

        assertThat(port.to("pub", "PUBACK")).isEmpty();
        assertThat(port.to("all", "PUBLISH")).containsExactly("all <- PUBLISH will/pub 'gone' qos0");
        assertThat(broker.isConnected("pub")).isFalse();
    }

    @Test
    void shouldGrantQoS2AndDeliverWhatIsPublishedAtItsOwnQoS() {
        broker.connect(0, "sub", true, 60, null);
        broker.subscribe(0, "sub", "t", 2);
        broker.connect(0, "pub", true, 60, null);
        broker.publish(1, "pub", msg("t", "one", 1, false), 1);
        broker.publish(1, "pub", msg("t", "zero", 0, false), 0);
        broker.puback(2, "sub", 1);

        assertThat(port.to("sub", "")).containsExactly("sub <- CONNACK", "sub <- SUBACK 2", "sub <- PUBLISH t 'one' qos1 id1", "sub <- PUBLISH t 'zero' qos0");
    }

    @Test
    void shouldSendRetainedMessagesInMosquittosTreeOrder() {
        broker.connect(0, "pub", true, 60, null);
        for (String topic : new String[] {"r/b", "r/a", "r", "r/b/x", "s", "$SYS/x"}) {
            broker.publish(0, "pub", msg(topic, topic, 0, true), 0);
        }
        broker.connect(0, "sub", true, 60, null);

        broker.subscribe(1, "sub", "r/#", 0);
        broker.subscribe(1, "sub", "#", 0);
        broker.subscribe(1, "sub", "+", 0);

        assertThat(port.to("sub", "PUBLISH")).extracting(p -> p.split(" ")[3]).containsExactly(
                "r/b", "r/b/x", "r/a", "r",            // r/#: children in creation order, each before its own children; r last
                "r", "r/b", "r/b/x", "r/a", "s",       // #: each node before its children, never $SYS
                "r", "s");
    }

    @Test
    void shouldNotMatchDollarTopicsWithALeadingWildcard() {
        broker.connect(0, "all", true, 60, null);
        broker.subscribe(0, "all", "#", 0);
        broker.connect(0, "pub", true, 60, null);

        broker.publish(1, "pub", msg("$SYS/x", "hidden", 0, false), 0);
        broker.publish(1, "pub", msg("x", "seen", 0, false), 0);

        assertThat(port.to("all", "PUBLISH")).containsExactly("all <- PUBLISH x 'seen' qos0");
        assertThat(broker.stats().unrouted()).isEqualTo(1);
    }
}
