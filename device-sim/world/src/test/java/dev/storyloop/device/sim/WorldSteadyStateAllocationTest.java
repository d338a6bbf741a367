package dev.storyloop.device.sim;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Once warm, the simulated world allocates nothing per message: the packets cross the links as
 * flat entries in reused arrays, the broker's output goes through a reused outbox, and nothing
 * makes a closure per packet. Messages are made up front (a {@link Message} is immutable, so the
 * same one may be published again), so what is measured is the world alone.
 */
class WorldSteadyStateAllocationTest {
    private static final int DEVICES = 50;
    private static final int MESSAGES_PER_ROUND = 50_000;
    private static final int WARM_UP_ROUNDS = 4;
    private static final int MEASURED_ROUNDS = 3;

    @ParameterizedTest(name = "QoS {0}")
    @ValueSource(ints = {0, 1})
    void shouldAllocateNothingPerMessageOnceWarm(int qos) {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        SimWorld world = new SimWorld(7, BrokerLimits.MOSQUITTO_DEFAULTS, LinkProfile.lan());
        long[] received = {0};
        long[] acked = {0};
        SimClient gateway = world.client("gateway", new ClientListener() {
            @Override
            public void onMessage(Message message, int packetId, boolean duplicate, long nowNanos) {
                received[0]++;
            }
        });
        gateway.connect(false, 60, null);
        SimClient[] devices = new SimClient[DEVICES];
        Message[] messages = new Message[DEVICES];
        for (int i = 0; i < DEVICES; i++) {
            devices[i] = world.client("dev-" + i, new ClientListener() {
                @Override
                public void onPuback(int packetId, long nowNanos) {
                    acked[0]++;
                }
            });
            devices[i].connect(true, 60, null);
            messages[i] = new Message("storyloop/v1/dev-" + i + "/telemetry", ("reading " + i).getBytes(StandardCharsets.UTF_8), qos, false);
        }
        world.runFor(10_000_000L);
        gateway.subscribe("storyloop/v1/+/telemetry", 1);
        world.runFor(10_000_000L);

        long[] target = {0};
        BooleanSupplier arrived = () -> received[0] >= target[0];
        long[] allocated = new long[MEASURED_ROUNDS];
        for (int round = 0; round < WARM_UP_ROUNDS + MEASURED_ROUNDS; round++) {
            long before = threads.getThreadAllocatedBytes(Thread.currentThread().getId());
            // A burst from every device, then the world runs until all of it arrived; again and again.
            for (int sent = 0; sent < MESSAGES_PER_ROUND; sent += DEVICES) {
                for (int i = 0; i < DEVICES; i++) {
                    if (devices[i].publish(messages[i]) < 0) throw new AssertionError("dev-" + i + " could not publish");
                }
                target[0] += DEVICES;
                world.runUntil(arrived, Long.MAX_VALUE);
            }
            long after = threads.getThreadAllocatedBytes(Thread.currentThread().getId());
            if (round >= WARM_UP_ROUNDS) allocated[round - WARM_UP_ROUNDS] = after - before;
        }

        world.runFor(10_000_000L); // the last acknowledgements arrive
        world.checkBalance();
        long total = (long) (WARM_UP_ROUNDS + MEASURED_ROUNDS) * MESSAGES_PER_ROUND;
        assertThat(received[0]).isEqualTo(total);
        assertThat(world.broker().stats().delivered()).as("copies written (QoS 0) or acknowledged (QoS 1)").isEqualTo(total);
        assertThat(acked[0]).as("PUBACKs the devices heard").isEqualTo(qos == 1 ? total : 0);
        // The assertions above allocate; what they cost lands in a round only if it is per message, and
        // then every round would show megabytes. A one-off allocation of the runtime (a JIT transition, a
        // ring growing once) may land in one round, hence the small allowance on the largest.
        assertThat(Arrays.stream(allocated).min().orElseThrow())
                .as("bytes allocated for %d messages at QoS %d, per round: %s", MESSAGES_PER_ROUND, qos, Arrays.toString(allocated))
                .isZero();
        assertThat(Arrays.stream(allocated).max().orElseThrow())
                .as("no round allocates per message: %s", Arrays.toString(allocated)).isLessThan(4096);
    }
}
