package dev.storyloop.device.sim;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import net.jqwik.api.constraints.Size;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The broker's keepalive bookkeeping against the plainest model of it: every connected client's
 * deadline computed afresh from its last packet. Whatever the sessions do (connect with another
 * keepalive, take over, ping, leave, lose the connection, the broker crashing and restarting), the
 * broker's next deadline is the model's earliest, and a tick closes exactly the clients the model says
 * lapsed, in client id order.
 */
class SimBrokerKeepaliveModelTest {
    private static final int[] KEEPALIVES = {0, 1, 2, 5, 10, 60};
    private static final int CLIENTS = 5;

    /** What the model knows of a connected client. */
    private record Client(long lastSeenNanos, int keepAliveSeconds) {}

    /**
     * Each op is three numbers: what (connect clean, connect persistent, ping, disconnect, lose the
     * connection, tick, crash and restart), which client, and which keepalive; the clock moves by
     * up to {@code stepMillis} before each.
     */
    @Property(tries = 300)
    void closesExactlyTheLapsedClientsAndTellsTheEarliestDeadline(
            @ForAll @Size(min = 3, max = 600) List<@IntRange(min = 0, max = 999) Integer> ops,
            @ForAll @IntRange(min = 1, max = 4_000) int stepMillis,
            @ForAll boolean spec, @ForAll @LongRange(min = 0, max = 999_999_999L) long secondOffset) {
        KeepaliveCheck check = spec ? KeepaliveCheck.SPEC : new KeepaliveCheck(KeepaliveCheck.Mode.MOSQUITTO_2_0, secondOffset);
        SimBroker broker = new SimBroker(BrokerLimits.MOSQUITTO_DEFAULTS, check);
        TreeMap<String, Client> connected = new TreeMap<>();
        long walkBase = check.second(0);
        long now = 0;
        for (int i = 0; i + 2 < ops.size(); i += 3) {
            now += (long) ops.get(i + 2) * stepMillis * 1_000L; // up to stepMillis
            String id = "c" + ops.get(i + 1) % CLIENTS;
            int keepAlive = KEEPALIVES[ops.get(i + 1) / CLIENTS % KEEPALIVES.length];
            switch (ops.get(i) % 10) {
                case 0, 1 -> {
                    broker.connect(now, id, true, keepAlive, null);
                    connected.put(id, new Client(now, keepAlive));
                }
                case 2 -> {
                    broker.connect(now, id, false, keepAlive, null);
                    connected.put(id, new Client(now, keepAlive));
                }
                case 3, 4 -> {
                    broker.pingreq(now, id);
                    Client client = connected.get(id);
                    if (client != null) connected.put(id, new Client(now, client.keepAliveSeconds()));
                }
                case 5 -> {
                    broker.disconnect(now, id);
                    connected.remove(id);
                }
                case 6 -> {
                    broker.connectionLost(now, id);
                    connected.remove(id);
                }
                case 7, 8 -> {
                    List<String> lapsed = new ArrayList<>();
                    for (var entry : connected.entrySet()) {
                        if (deadline(check, entry.getValue(), walkBase) <= now) lapsed.add(entry.getKey());
                    }
                    List<String> closed = new ArrayList<>();
                    BrokerReplies.drain(broker, closes(closed));
                    closed.clear();
                    broker.tick(now);
                    BrokerReplies.drain(broker, closes(closed));
                    assertThat(closed).as("closed at %d ns", now).isEqualTo(lapsed);
                    lapsed.forEach(connected::remove);
                }
                default -> {
                    broker.crash(now);
                    broker.restart(now);
                    connected.clear();
                    walkBase = check.second(now);
                }
            }
            long expected = Long.MAX_VALUE;
            for (Client client : connected.values()) expected = Math.min(expected, deadline(check, client, walkBase));
            assertThat(broker.nextKeepAliveDeadlineNanos()).as("after op %d at %d ns", i / 3, now).isEqualTo(expected);
            for (String client : connected.keySet()) assertThat(broker.isConnected(client)).isTrue();
        }
        broker.checkBalance();
    }

    private static long deadline(KeepaliveCheck check, Client client, long walkBase) {
        if (client.keepAliveSeconds() <= 0) return Long.MAX_VALUE;
        return check.deadlineNanos(client.lastSeenNanos(), client.keepAliveSeconds(), walkBase);
    }

    private static BrokerReplies closes(List<String> closed) {
        return new BrokerReplies() {
            @Override public void close(String client, String reason) {
                if (reason.contains("keepalive")) closed.add(client);
            }
        };
    }
}
