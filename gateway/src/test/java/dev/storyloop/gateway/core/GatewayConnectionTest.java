package dev.storyloop.gateway.core;

import dev.storyloop.protocol.CommandCode;
import dev.storyloop.protocol.Topics;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class GatewayConnectionTest {
    static final long MS = 1_000_000L;
    static final long S = 1_000 * MS;

    final GatewayCore core = new GatewayCore(GatewayConfig.defaults().withEpoch(7).withCommands(2, 5 * S), Keyring.development(), Outbox.NONE);

    @Test
    void shouldDoubleTheBackoffCeilingUpToTheCap() {
        ConnectionPolicy.Backoff backoff = new ConnectionPolicy.Backoff(MS, 100 * MS, 5 * S, false);
        List<Long> ceilings = new ArrayList<>();
        for (int failures = 0; failures < 9; failures++) ceilings.add(backoff.ceilingNanos(failures));
        assertThat(ceilings).containsExactly(100 * MS, 200 * MS, 400 * MS, 800 * MS, 1_600 * MS, 3_200 * MS, 5 * S, 5 * S, 5 * S);
        assertThat(backoff.ceilingNanos(Integer.MAX_VALUE)).as("no overflow however long it fails").isEqualTo(5 * S);
        assertThat(backoff.nextAttemptNanos(7, 2, new SplittableRandom(1))).as("without jitter: now plus the ceiling").isEqualTo(7 + 400 * MS);
    }

    @Test
    void shouldDrawJitteredWaitsInsideTheBoundsAndTheSameForTheSameSeed() {
        ConnectionPolicy.Backoff backoff = ConnectionPolicy.live().reconnect();
        SplittableRandom first = new SplittableRandom(42);
        SplittableRandom second = new SplittableRandom(42);
        boolean varied = false;
        long previous = -1;
        for (int i = 0; i < 1_000; i++) {
            int failures = i % 10;
            long at = backoff.nextAttemptNanos(1_000, failures, first);
            assertThat(at - 1_000).isBetween(backoff.minNanos(), backoff.ceilingNanos(failures));
            assertThat(backoff.nextAttemptNanos(1_000, failures, second)).isEqualTo(at);
            if (failures == 9 && previous >= 0 && at != previous) varied = true;
            if (failures == 9) previous = at;
        }
        assertThat(varied).as("jitter spreads the attempts").isTrue();
    }

    @Test
    void shouldBackOffAfterEachLossAndStartOverOnceSubscribed() {
        ConnectionPolicy policy = ConnectionPolicy.live().withReconnect(new ConnectionPolicy.Backoff(MS, 100 * MS, 5 * S, false));
        GatewayConnection connection = new GatewayConnection(core, policy, 1);
        assertThat(connection.lost(0)).isEqualTo(100 * MS);
        assertThat(connection.lost(0)).isEqualTo(200 * MS);
        assertThat(connection.connected(0)).isEqualTo(policy.subscriptions());
        assertThat(connection.lost(0)).as("connected but never subscribed: still backing off").isEqualTo(400 * MS);
        connection.connected(0);
        connection.subscribed(0);
        assertThat(connection.isUp()).isTrue();
        assertThat(connection.lost(S)).isEqualTo(S + 100 * MS);
        assertThat(connection.isUp()).isFalse();
        assertThat(connection.reconnects()).isEqualTo(4);
    }

    @Test
    void shouldScheduleNoAttemptOnceStopped() {
        GatewayConnection connection = new GatewayConnection(core, ConnectionPolicy.simulated(), 1);
        connection.connected(0);
        connection.subscribed(0);
        connection.stop();
        assertThat(connection.isUp()).isFalse();
        assertThat(connection.wanted()).isFalse();
        assertThat(connection.lost(S)).isEqualTo(GatewayConnection.NEVER);
        connection.subscribed(S);
        assertThat(connection.isUp()).as("a late answer does not put a stopped gateway in service").isFalse();
        connection.start();
        assertThat(connection.lost(S)).isEqualTo(S + 10 * MS);
    }

    @Test
    void shouldTickTheCoreSoCommandsTimeOut() {
        core.handle(0, Topics.telemetry("pi-1"), GatewayCoreTest.telemetry("pi-1", 0));
        assertThat(core.sendCommand(0, "pi-1", CommandCode.BLINK, 1).accepted()).isTrue();
        GatewayConnection connection = new GatewayConnection(core, ConnectionPolicy.live(), 1);
        long now = 0;
        int ticks = 0;
        while (now < 5 * S) {
            now = connection.tick(now);
            ticks++;
        }
        assertThat(ticks).as("one tick every 100 ms").isEqualTo(50);
        assertThat(core.commandsTimedOut()).as("before its 5 s timeout").isZero();
        connection.tick(connection.tick(now));
        assertThat(core.commandsTimedOut()).isEqualTo(1);
    }

    @Test
    void shouldHandTheBrokerCounterToTheCoreAndCountWhatIsNotANumber() {
        GatewayConnection connection = new GatewayConnection(core, ConnectionPolicy.live(), 1);
        connection.brokerCounter(0, "12\n".getBytes(StandardCharsets.US_ASCII));
        connection.brokerCounter(S, "19".getBytes(StandardCharsets.US_ASCII));
        connection.brokerCounter(S, "lots".getBytes(StandardCharsets.US_ASCII));
        connection.brokerCounter(S, "12345678901234567890".getBytes(StandardCharsets.US_ASCII));
        assertThat(core.brokerDropped()).as("counted from the first reading on").isEqualTo(7);
        assertThat(connection.badBrokerCounters()).isEqualTo(2);
    }

    @Test
    void shouldSubscribeTheDeviceTopicsInBothWorldsAndTheDropCounterLiveOnly() {
        assertThat(ConnectionPolicy.simulated().subscriptions()).containsExactlyElementsOf(ConnectionPolicy.deviceSubscriptions());
        assertThat(ConnectionPolicy.live().subscriptions()).startsWith(ConnectionPolicy.deviceSubscriptions().toArray(new ConnectionPolicy.Subscription[0]))
                .contains(new ConnectionPolicy.Subscription(ConnectionPolicy.BROKER_DROPPED_TOPIC, 0));
        assertThat(ConnectionPolicy.simulated().keepAliveSeconds()).isEqualTo(ConnectionPolicy.live().keepAliveSeconds());
        assertThat(ConnectionPolicy.simulated().tickNanos()).isEqualTo(ConnectionPolicy.live().tickNanos());
        assertThatThrownBy(() -> new ConnectionPolicy.Backoff(MS, 10 * MS, 5 * MS, true)).isInstanceOf(IllegalArgumentException.class);
    }
}
