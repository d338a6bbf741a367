package dev.storyloop.gateway.core;

import dev.storyloop.protocol.AckStatus;
import dev.storyloop.protocol.CommandCode;
import dev.storyloop.protocol.DecodeResult;
import dev.storyloop.protocol.DeviceKeys;
import dev.storyloop.protocol.Frame;
import dev.storyloop.protocol.FrameCodec;
import dev.storyloop.protocol.FrameType;
import dev.storyloop.protocol.JcaAuthenticator;
import dev.storyloop.protocol.Sensor;
import dev.storyloop.protocol.Topics;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class GatewayCoreTest {
    static final long S = GatewayConfig.SECOND;

    /** Everything the core asked its shell to do. */
    static final class Recorded implements Outbox {
        final List<String> published = new ArrayList<>();
        final List<byte[]> payloads = new ArrayList<>();
        final List<CommandResult> completed = new ArrayList<>();
        final List<Long> latencies = new ArrayList<>();

        @Override public void publish(String topic, byte[] payload, int qos, boolean retained) {
            published.add(topic);
            payloads.add(payload);
        }
        @Override public void commandCompleted(CommandResult result) { completed.add(result); }
        @Override public void processed(long latencyNanos) { latencies.add(latencyNanos); }

        Frame decoded(int i) {
            Frame f = new Frame();
            new FrameCodec().decode(ByteBuffer.wrap(payloads.get(i)), f);
            return f;
        }
    }

    final Recorded out = new Recorded();
    static final long EPOCH = 7;
    final GatewayCore core = new GatewayCore(GatewayConfig.defaults().withEpoch(EPOCH).withStale(S, 3).withCommands(2, 5 * S)
            .withIngest(100, new GatewayConfig.Flow(true, 10, 2, 0)), Keyring.development(), out);

    static byte[] telemetry(String id, long sequence) {
        return encode(new Frame().reset(FrameType.TELEMETRY, id, sequence, sequence * 1000).addReading(Sensor.TEMPERATURE, 21_000 + (int) sequence), id);
    }

    static byte[] ack(String id, long correlationId, AckStatus status) {
        return ack(id, EPOCH, correlationId, status);
    }

    static byte[] ack(String id, long epoch, long correlationId, AckStatus status) {
        return encode(new Frame().reset(FrameType.ACK, id, 0, 0).ack(epoch, correlationId, status), id);
    }

    static byte[] encode(Frame frame, String keyOf) {
        ByteBuffer buffer = ByteBuffer.allocate(FrameCodec.MAX_FRAME_BYTES);
        int length = new FrameCodec().encode(frame, new JcaAuthenticator(DeviceKeys.development(keyOf)), buffer);
        return Arrays.copyOf(buffer.array(), length);
    }

    @Test
    void shouldAccountForGapsDuplicatesAndLateFramesPerDevice() {
        long now = 0;
        for (long s : new long[] {0, 1, 2, 5, 4, 4, 6}) core.handle(now += 1_000, Topics.telemetry("pi-1"), telemetry("pi-1", s));
        core.handle(now, Topics.telemetry("pi-2"), telemetry("pi-2", 0));

        DeviceRecord.Snapshot pi1 = core.device("pi-1").snapshot(10);
        assertThat(pi1.received()).isEqualTo(6);
        assertThat(pi1.missing()).isEqualTo(1);     // 3
        assertThat(pi1.reordered()).isEqualTo(1);   // 4 after 5
        assertThat(pi1.duplicates()).isEqualTo(1);  // 4 again
        assertThat(core.rejected(Rejection.REPLAY)).isEqualTo(1);
        assertThat(core.missingTotal()).isEqualTo(1);
        assertThat(core.devices()).isEqualTo(2);
        assertThat(pi1.recent()[0].sequence()).isEqualTo(6);
        assertThat(pi1.aggregates()[Sensor.TEMPERATURE.ordinal()].count()).isEqualTo(6);
        assertThat(pi1.aggregates()[Sensor.TEMPERATURE.ordinal()].min()).isEqualTo(21_000);
        assertThat(pi1.aggregates()[Sensor.TEMPERATURE.ordinal()].max()).isEqualTo(21_006);
    }

    @Test
    void shouldKeepTheNewestReadingsNewestFirstWhileTheRingGrowsAndAfterItWraps() {
        int history = GatewayConfig.defaults().historyPerDevice();
        long now = 0;
        for (long s = 0; s < history + 5; s++) {
            core.handle(now += 1_000, Topics.telemetry("pi-1"), telemetry("pi-1", s));
            DeviceRecord.Reading[] recent = core.device("pi-1").snapshot(history + 10).recent();
            assertThat(recent).hasSize((int) Math.min(s + 1, history));
            for (int i = 0; i < recent.length; i++) {
                assertThat(recent[i].sequence()).isEqualTo(s - i);
                assertThat(recent[i].values()).containsExactly(21_000 + (int) (s - i));
            }
        }
    }

    @Test
    void shouldKeepEveryReadingOfFramesThatCarryMoreReadingsThanTheFirstAtEveryFillOfTheRing() {
        int history = GatewayConfig.defaults().historyPerDevice();
        Sensor[] sensors = Sensor.values();
        long now = 0;
        // The reading count changes while the ring is partly full (frame 2), full at its first size (frame 4, one
        // reading more than the frames before it) and full at its largest (after the wrap); values are negative too.
        int[] readingsOf = new int[history + 10];
        for (int s = 0; s < readingsOf.length; s++) readingsOf[s] = s < 2 ? 1 : s < 4 ? 2 : s < history + 3 ? 3 : sensors.length;
        for (int s = 0; s < readingsOf.length; s++) {
            Frame frame = new Frame().reset(FrameType.TELEMETRY, "pi-1", s, s * 1000L);
            for (int r = 0; r < readingsOf[s]; r++) frame.addReading(sensors[r], -50_000 + s * 100 + r);
            core.handle(now += 1_000, Topics.telemetry("pi-1"), encode(frame, "pi-1"));
            DeviceRecord.Reading[] recent = core.device("pi-1").snapshot(history + 10).recent();
            assertThat(recent).hasSize(Math.min(s + 1, history));
            for (int i = 0; i < recent.length; i++) {
                int sequence = s - i;
                assertThat(recent[i].sequence()).isEqualTo(sequence);
                assertThat(recent[i].deviceMillis()).isEqualTo(sequence * 1000L);
                assertThat(recent[i].sensors()).containsExactly(java.util.Arrays.copyOf(sensors, readingsOf[sequence]));
                int[] values = new int[readingsOf[sequence]];
                for (int r = 0; r < values.length; r++) values[r] = -50_000 + sequence * 100 + r;
                assertThat(recent[i].values()).containsExactly(values);
            }
        }
        DeviceRecord.Aggregate temperature = core.device("pi-1").snapshot(0).aggregates()[Sensor.TEMPERATURE.ordinal()];
        assertThat(temperature.count()).isEqualTo(readingsOf.length);
        assertThat(temperature.min()).isEqualTo(-50_000);
        assertThat(temperature.max()).isEqualTo(-50_000 + (readingsOf.length - 1) * 100);
    }

    @Test
    void shouldRejectEveryKindOfBadInputByReasonAndKeepServing() {
        byte[] good = telemetry("pi-1", 0);
        assertThat(core.handle(0, Topics.telemetry("pi-1"), new byte[300])).isEqualTo(Rejection.OVERSIZED);
        assertThat(core.handle(0, "somewhere/else", good)).isEqualTo(Rejection.BAD_TOPIC);
        assertThat(core.handle(0, Topics.cmd("pi-1"), good)).isEqualTo(Rejection.WRONG_KIND);
        assertThat(core.handle(0, Topics.status("pi-1"), "maybe".getBytes(StandardCharsets.UTF_8))).isEqualTo(Rejection.BAD_STATUS);
        assertThat(core.handle(0, Topics.telemetry("pi-1"), new byte[] {1, 2, 3})).isEqualTo(Rejection.of(DecodeResult.TOO_SHORT));
        byte[] badMagic = good.clone();
        badMagic[0] = 0;
        assertThat(core.handle(0, Topics.telemetry("pi-1"), badMagic)).isEqualTo(Rejection.of(DecodeResult.BAD_MAGIC));
        byte[] forged = good.clone();
        forged[forged.length - 1] ^= 1;
        assertThat(core.handle(0, Topics.telemetry("pi-1"), forged)).isEqualTo(Rejection.of(DecodeResult.BAD_TAG));
        assertThat(core.handle(0, Topics.telemetry("pi-2"), good)).as("pi-1's own frame on pi-2's topic").isEqualTo(Rejection.ID_MISMATCH);
        assertThat(core.handle(0, Topics.ack("pi-1"), good)).isEqualTo(Rejection.WRONG_TYPE);
        assertThat(core.handle(0, Topics.ack("pi-1"), ack("pi-1", 99, AckStatus.OK))).isEqualTo(Rejection.STALE_ACK);
        assertThat(core.handle(0, Topics.telemetry("pi-1"), good)).isNull();
        assertThat(core.handle(0, Topics.telemetry("pi-1"), good)).isEqualTo(Rejection.REPLAY);

        GatewayCore strict = new GatewayCore(GatewayConfig.defaults(), Keyring.fleet(new byte[] {7}), new Recorded());
        assertThat(strict.handle(0, Topics.telemetry("pi-1"), good)).as("signed with another fleet's key").isEqualTo(Rejection.of(DecodeResult.BAD_TAG));
        assertThat(core.rejectedTotal()).isEqualTo(11);
        assertThat(core.telemetryAccepted()).isEqualTo(1);
    }

    @Test
    void shouldCapTheRegistryAndRejectNewDevicesBeyondIt() {
        GatewayCore small = new GatewayCore(GatewayConfig.defaults().withMaxDevices(2), Keyring.development(), out);
        assertThat(small.handle(0, Topics.telemetry("a"), telemetry("a", 0))).isNull();
        assertThat(small.handle(0, Topics.telemetry("b"), telemetry("b", 0))).isNull();
        assertThat(small.handle(0, Topics.telemetry("c"), telemetry("c", 0))).isEqualTo(Rejection.DEVICE_LIMIT);
        assertThat(small.handle(0, Topics.telemetry("a"), telemetry("a", 1))).isNull();
        assertThat(small.devices()).isEqualTo(2);
    }

    @Test
    void shouldTrackLivenessFromStatusAndSilence() {
        core.handle(0, Topics.status("pi-1"), "online".getBytes(StandardCharsets.UTF_8));
        core.handle(1 * S, Topics.telemetry("pi-1"), telemetry("pi-1", 0));
        assertThat(core.device("pi-1").liveness()).isEqualTo(DeviceRecord.Liveness.ONLINE);
        core.tick(3 * S);
        assertThat(core.device("pi-1").liveness()).isEqualTo(DeviceRecord.Liveness.ONLINE);
        core.tick(4 * S + 1);
        assertThat(core.device("pi-1").liveness()).isEqualTo(DeviceRecord.Liveness.STALE);
        core.handle(5 * S, Topics.telemetry("pi-1"), telemetry("pi-1", 1));
        assertThat(core.device("pi-1").liveness()).isEqualTo(DeviceRecord.Liveness.ONLINE);
        core.handle(6 * S, Topics.status("pi-1"), "offline".getBytes(StandardCharsets.UTF_8)); // its last will
        assertThat(core.device("pi-1").liveness()).isEqualTo(DeviceRecord.Liveness.OFFLINE);
        core.tick(60 * S);
        assertThat(core.device("pi-1").liveness()).isEqualTo(DeviceRecord.Liveness.OFFLINE);
    }

    @Test
    void shouldMarkStaleExactlyTheDevicesAFullScanWouldWhateverTheOrderTheyWereSeenIn() {
        // A reference model of liveness (last seen, last status, stale) checked against the core after every tick.
        java.util.Random random = new java.util.Random(7);
        int count = 40;
        long[] lastSeen = new long[count];
        String[] status = new String[count];
        boolean[] stale = new boolean[count];
        long[] sequence = new long[count];
        boolean[] registered = new boolean[count]; // only a tagged frame registers a device; statuses apply to registered ones
        long now = 0;
        for (int step = 0; step < 3_000; step++) {
            now += random.nextInt(400) * S / 1000;
            int n = random.nextInt(count);
            String id = "dev-" + n;
            switch (random.nextInt(6)) {
                case 0 -> { // a last will or a clean goodbye
                    core.handle(now, Topics.status(id), "offline".getBytes(StandardCharsets.UTF_8));
                    if (registered[n]) status[n] = "offline";
                }
                case 1 -> {
                    core.handle(now, Topics.status(id), "online".getBytes(StandardCharsets.UTF_8));
                    if (registered[n]) {
                        status[n] = "online";
                        lastSeen[n] = now;
                        stale[n] = false;
                    }
                }
                case 2 -> {
                    core.tick(now);
                    for (int d = 0; d < count; d++) {
                        if (lastSeen[d] > 0 && now - lastSeen[d] > 3 * S && !"offline".equals(status[d])) stale[d] = true;
                        DeviceRecord record = core.device("dev-" + d);
                        assertThat(record == null ? false : record.stale).as("dev-%d at %d ns", d, now).isEqualTo(stale[d]);
                    }
                }
                default -> {
                    assertThat(core.handle(now, Topics.telemetry(id), telemetry(id, sequence[n]++))).isNull();
                    registered[n] = true;
                    lastSeen[n] = now;
                    stale[n] = false;
                    if ("offline".equals(status[n])) status[n] = null; // a new signed frame overrules an earlier "offline"
                }
            }
        }
        assertThat(core.staleDevices()).isPositive();
    }

    @Test
    void shouldCompleteACommandOnItsAckOrTimeItOut() {
        core.handle(0, Topics.telemetry("pi-1"), telemetry("pi-1", 0));
        GatewayCore.Submission first = core.sendCommand(1 * S, "pi-1", CommandCode.BLINK, 3);
        GatewayCore.Submission second = core.sendCommand(1 * S, "pi-1", CommandCode.REBOOT, 0);
        GatewayCore.Submission third = core.sendCommand(1 * S, "pi-1", CommandCode.REBOOT, 0);
        assertThat(first.accepted()).isTrue();
        assertThat(second.accepted()).isTrue();
        assertThat(third.refusal()).isEqualTo(GatewayCore.Refusal.TOO_MANY_OUTSTANDING);
        assertThat(core.sendCommand(1 * S, "nobody", CommandCode.BLINK, 1).refusal()).isEqualTo(GatewayCore.Refusal.UNKNOWN_DEVICE);
        assertThat(out.published).containsExactly(Topics.cmd("pi-1"), Topics.cmd("pi-1"));
        Frame sent = out.decoded(0);
        assertThat(sent.command()).isEqualTo(CommandCode.BLINK);
        assertThat(sent.correlationId()).isEqualTo(first.correlationId());

        assertThat(core.handle(2 * S, Topics.ack("pi-1"), ack("pi-1", first.correlationId(), AckStatus.OK))).isNull();
        core.tick(6 * S - 1);
        assertThat(out.completed).hasSize(1);
        core.tick(6 * S);
        assertThat(out.completed).hasSize(2);
        assertThat(out.completed.get(0).outcome()).isEqualTo(CommandResult.Outcome.ACKED);
        assertThat(out.completed.get(0).ackStatus()).isEqualTo(AckStatus.OK);
        assertThat(out.completed.get(0).latencyNanos()).isEqualTo(1 * S);
        assertThat(out.completed.get(1).outcome()).isEqualTo(CommandResult.Outcome.TIMED_OUT);
        assertThat(out.completed.get(1).correlationId()).isEqualTo(second.correlationId());
        assertThat(core.handle(7 * S, Topics.ack("pi-1"), ack("pi-1", second.correlationId(), AckStatus.OK)))
                .as("too late").isEqualTo(Rejection.STALE_ACK);
        assertThat(core.sendCommand(8 * S, "pi-1", CommandCode.BLINK, 1).accepted()).as("room again").isTrue();
        assertThat(core.commandsTimedOut()).isEqualTo(1);
    }

    @Test
    void shouldThrottleAboveTheHighWatermarkAndReleaseAtTheLowOne() {
        core.handle(0, Topics.telemetry("pi-1"), telemetry("pi-1", 0));
        core.handle(0, Topics.telemetry("pi-2"), telemetry("pi-2", 0));
        for (int s = 1; s <= 9; s++) core.enqueue(s, Topics.telemetry("pi-1"), telemetry("pi-1", s));
        assertThat(core.throttled()).isFalse();
        core.enqueue(10, Topics.telemetry("pi-1"), telemetry("pi-1", 10));   // backlog 10: high watermark
        assertThat(core.throttled()).isTrue();
        assertThat(out.published).containsExactly(Topics.flow("pi-1"), Topics.flow("pi-2"));
        assertThat(out.decoded(0).credits()).as("paused: no credit").isZero();

        core.drain(20, 7);                 // backlog 3: still above low
        assertThat(core.throttled()).isTrue();
        core.drain(21, 1);                 // backlog 2: low watermark
        assertThat(core.throttled()).isFalse();
        assertThat(out.published).hasSize(4);
        assertThat(out.decoded(2).credits()).isEqualTo(Frame.U32_MAX);
        assertThat(out.decoded(2).rateMilliHz()).isEqualTo(Frame.U32_MAX);
        assertThat(core.throttles()).isEqualTo(1);
        assertThat(core.releases()).isEqualTo(1);
        assertThat(out.latencies).hasSize(8);
        assertThat(out.latencies.get(0)).isEqualTo(19);
    }

    @Test
    void shouldNeverThrottleWithFlowControlOffAndRejectWhenTheQueueIsFull() {
        GatewayCore off = new GatewayCore(GatewayConfig.defaults().withIngest(4, GatewayConfig.Flow.off()), Keyring.development(), out);
        for (int s = 0; s < 6; s++) off.enqueue(s, Topics.telemetry("pi-1"), telemetry("pi-1", s));
        assertThat(off.throttled()).isFalse();
        assertThat(off.rejected(Rejection.INGEST_FULL)).isEqualTo(2);
        assertThat(off.drain(10, 100)).isEqualTo(4);
        assertThat(off.device("pi-1").sequences().missing()).isZero(); // 4 and 5 are not "missing" until a later one arrives
        off.handle(11, Topics.telemetry("pi-1"), telemetry("pi-1", 6));
        assertThat(off.device("pi-1").sequences().missing()).isEqualTo(2);
        assertThat(out.published).isEmpty();
    }

    /** A core whose policy slows devices to 2 frames/s: drops steer only such a policy. */
    final GatewayCore rated = new GatewayCore(GatewayConfig.defaults().withStale(S, 3).withCommands(2, 5 * S)
            .withIngest(100, new GatewayConfig.Flow(true, 10, 2, 2_000)), Keyring.development(), out);

    @Test
    void shouldNotSteerOnDropsWithoutAThrottledRate() {
        core.handle(0, Topics.telemetry("pi-1"), telemetry("pi-1", 0));
        core.handle(S / 5, Topics.telemetry("pi-1"), telemetry("pi-1", 10));
        assertThat(core.throttled()).as("pausing on drops would make devices drop more").isFalse();
        assertThat(core.dropsPerSecond(S / 5)).as("still counted").isPositive();
    }

    @Test
    void shouldThrottleOnRisingGapsWithAnEmptyQueueAndReleaseOnceTheyStop() {
        rated.handle(0, Topics.telemetry("pi-1"), telemetry("pi-1", 0));
        rated.handle(S / 10, Topics.telemetry("pi-1"), telemetry("pi-1", 3));       // 2 lost: not yet pressure
        assertThat(rated.throttled()).isFalse();
        rated.handle(S / 5, Topics.telemetry("pi-1"), telemetry("pi-1", 6));        // 4 lost in a second: the broker is dropping
        assertThat(rated.backlog()).isZero();
        assertThat(rated.throttled()).as("gaps throttle even with no local backlog").isTrue();
        assertThat(rated.throttlesOnDrops()).isEqualTo(1);
        assertThat(out.decoded(0).credits()).as("slowed, not paused: a paused device would drop more and hide its gaps").isEqualTo(Frame.U32_MAX);
        assertThat(out.decoded(0).rateMilliHz()).as("the policy's throttled rate").isEqualTo(2_000);

        for (int s = 7; s < 17; s++) rated.enqueue(S / 4, Topics.telemetry("pi-1"), telemetry("pi-1", s)); // backlog 10: high watermark
        assertThat(out.decoded(out.published.size() - 1).rateMilliHz()).as("a backlog throttles to the policy's rate too").isEqualTo(2_000);
        rated.drain(S / 3, 100);
        assertThat(rated.throttled()).as("the backlog is gone, the drops are recent").isTrue();
        assertThat(out.decoded(out.published.size() - 1).rateMilliHz()).isEqualTo(2_000);

        rated.tick(4 * S);
        assertThat(rated.throttled()).as("not yet quiet for " + GatewayCore.DROP_QUIET_SECONDS + " s").isTrue();
        rated.tick(S / 5 + GatewayCore.DROP_QUIET_SECONDS * S);
        assertThat(rated.throttled()).isFalse();
        assertThat(rated.releases()).isEqualTo(1);
        assertThat(rated.throttles()).as("one throttle that changed its way twice").isEqualTo(1);
    }

    @Test
    void shouldThrottleOnTheBrokersDropCounterAndNotOnItsFirstReading() {
        rated.handle(0, Topics.telemetry("pi-1"), telemetry("pi-1", 0));
        rated.brokerDropCounter(S, 5_000);                 // drops from before this gateway: not news
        assertThat(rated.throttled()).isFalse();
        assertThat(rated.brokerDropped()).isZero();
        rated.brokerDropCounter(2 * S, 5_010);
        assertThat(rated.throttled()).isTrue();
        assertThat(rated.brokerDropped()).isEqualTo(10);
        rated.brokerDropCounter(3 * S, 3);                 // the broker restarted: 3 new drops
        assertThat(rated.brokerDropped()).isEqualTo(13);
    }

    @Test
    void shouldNotTakeReorderingForLoss() {
        long now = 0;
        for (long s : new long[] {0, 2, 1, 4, 3, 6, 5, 8, 7, 10, 9}) rated.handle(now += S / 20, Topics.telemetry("pi-1"), telemetry("pi-1", s));
        assertThat(rated.missingTotal()).isZero();
        assertThat(rated.throttled()).as("every gap was filled by a late frame").isFalse();
    }
}
