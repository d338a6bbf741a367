package dev.storyloop.gateway.core;

import dev.storyloop.protocol.AckStatus;
import dev.storyloop.protocol.CommandCode;
import dev.storyloop.protocol.Frame;
import dev.storyloop.protocol.FrameType;
import dev.storyloop.protocol.Sensor;
import dev.storyloop.protocol.Topics;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;

import static dev.storyloop.gateway.core.GatewayCoreTest.S;
import static dev.storyloop.gateway.core.GatewayCoreTest.encode;
import static org.assertj.core.api.Assertions.assertThat;

/** The core against the attacks and accidents of issue 14: stale acks, status floods, sequence lockout. */
class GatewayHardeningTest {
    static final byte[] ONLINE = "online".getBytes(StandardCharsets.UTF_8);

    static byte[] telemetry(String id, long sequence, long timestampMillis) {
        return encode(new Frame().reset(FrameType.TELEMETRY, id, sequence, timestampMillis).addReading(Sensor.COUNTER, (int) sequence), id);
    }

    static GatewayCore core(long epoch, GatewayCoreTest.Recorded out) {
        return new GatewayCore(GatewayConfig.defaults().withEpoch(epoch).withCommands(4, 5 * S), Keyring.development(), out);
    }

    @Test
    void shouldRefuseAnAckCapturedFromAnEarlierGatewayProcessWhileTheNewCommandWithTheSameIdIsOutstanding() {
        GatewayCoreTest.Recorded firstOut = new GatewayCoreTest.Recorded();
        GatewayCore first = core(11, firstOut);
        first.handle(0, Topics.telemetry("pi-1"), telemetry("pi-1", 0, 1));
        GatewayCore.Submission before = first.sendCommand(S, "pi-1", CommandCode.SET_SAMPLE_PERIOD, 50);
        Frame sentBefore = firstOut.decoded(0);
        byte[] captured = GatewayCoreTest.ack("pi-1", sentBefore.epoch(), sentBefore.correlationId(), AckStatus.OK);
        assertThat(first.handle(2 * S, Topics.ack("pi-1"), captured)).isNull();

        // The process restarts: a new core, a new epoch, correlation ids from 1 again.
        GatewayCoreTest.Recorded out = new GatewayCoreTest.Recorded();
        GatewayCore second = core(12, out);
        second.handle(0, Topics.telemetry("pi-1"), telemetry("pi-1", 1, 2));
        GatewayCore.Submission after = second.sendCommand(S, "pi-1", CommandCode.SET_SAMPLE_PERIOD, 200);
        assertThat(after.correlationId()).isEqualTo(before.correlationId());
        Frame sentAfter = out.decoded(0);
        assertThat(sentAfter.epoch()).as("the command names its process").isEqualTo(12).isNotEqualTo(sentBefore.epoch());

        assertThat(second.handle(2 * S, Topics.ack("pi-1"), captured)).as("the replayed ack").isEqualTo(Rejection.STALE_ACK);
        assertThat(out.completed).as("the new command is not confirmed by the old ack").isEmpty();
        assertThat(second.commandsOutstanding()).isEqualTo(1);
        assertThat(second.handle(3 * S, Topics.ack("pi-1"), GatewayCoreTest.ack("pi-1", 12, after.correlationId(), AckStatus.OK))).isNull();
        assertThat(out.completed).singleElement().satisfies(r -> assertThat(r.outcome()).isEqualTo(CommandResult.Outcome.ACKED));
        assertThat(second.handle(4 * S, Topics.ack("pi-1"), GatewayCoreTest.ack("pi-1", 12, after.correlationId(), AckStatus.OK)))
                .as("the same ack again").isEqualTo(Rejection.STALE_ACK);
        assertThat(second.rejected(Rejection.STALE_ACK)).isEqualTo(2);
    }

    @Test
    void shouldRefuseAnAckForAnotherDevicesCommand() {
        GatewayCoreTest.Recorded out = new GatewayCoreTest.Recorded();
        GatewayCore core = core(5, out);
        core.handle(0, Topics.telemetry("pi-1"), telemetry("pi-1", 0, 1));
        core.handle(0, Topics.telemetry("pi-2"), telemetry("pi-2", 0, 1));
        GatewayCore.Submission toPi1 = core.sendCommand(S, "pi-1", CommandCode.BLINK, 1);
        assertThat(core.handle(2 * S, Topics.ack("pi-2"), GatewayCoreTest.ack("pi-2", 5, toPi1.correlationId(), AckStatus.OK)))
                .isEqualTo(Rejection.STALE_ACK);
        assertThat(core.commandsOutstanding()).isEqualTo(1);
    }

    @Test
    void shouldNotRegisterDevicesFromStatusMessagesAndCountThem() {
        GatewayCore core = new GatewayCore(GatewayConfig.defaults().withEpoch(1), Keyring.development(), new GatewayCoreTest.Recorded());
        for (int i = 0; i < 1_698; i++) {
            assertThat(core.handle(0, Topics.status("fake-" + i), ONLINE)).isEqualTo(Rejection.STATUS_UNREGISTERED);
        }
        assertThat(core.devices()).isZero();
        assertThat(core.rejected(Rejection.STATUS_UNREGISTERED)).isEqualTo(1_698);
        assertThat(core.handle(1, Topics.telemetry("real"), telemetry("real", 0, 1))).isNull();
        assertThat(core.handle(2, Topics.status("real"), ONLINE)).as("a registered device's status applies").isNull();
        assertThat(core.device("real").liveness()).isEqualTo(DeviceRecord.Liveness.ONLINE);
    }

    @Test
    void shouldLetANewSignedFrameOverruleAnOfflineStatusThatCameBeforeIt() {
        GatewayCore core = new GatewayCore(GatewayConfig.defaults().withEpoch(1), Keyring.development(), new GatewayCoreTest.Recorded());
        byte[] offline = Topics.STATUS_OFFLINE.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        assertThat(core.handle(1, Topics.telemetry("real"), telemetry("real", 0, 1))).isNull();
        assertThat(core.handle(2, Topics.status("real"), offline)).as("anyone may publish a status: it has no tag").isNull();
        assertThat(core.device("real").liveness()).isEqualTo(DeviceRecord.Liveness.OFFLINE);
        // A replay of a frame already seen proves nothing about now.
        assertThat(core.handle(3, Topics.telemetry("real"), telemetry("real", 0, 1))).isEqualTo(Rejection.REPLAY);
        assertThat(core.device("real").liveness()).isEqualTo(DeviceRecord.Liveness.OFFLINE);
        assertThat(core.handle(4, Topics.telemetry("real"), telemetry("real", 1, 2))).isNull();
        assertThat(core.device("real").liveness()).as("the device's next signed frame").isEqualTo(DeviceRecord.Liveness.ONLINE);
        assertThat(core.statusOverruled()).isEqualTo(1);
    }

    @Test
    void shouldEvictSignedFakesThatFellSilentSoARealDeviceGetsIn() {
        long evictAfter = 60 * S;
        GatewayCore core = new GatewayCore(GatewayConfig.defaults().withEpoch(1).withMaxDevices(4).withEvictAfter(evictAfter),
                Keyring.development(), new GatewayCoreTest.Recorded());
        for (int i = 0; i < 3; i++) assertThat(core.handle(0, Topics.telemetry("fake-" + i), telemetry("fake-" + i, 0, 1))).isNull();
        assertThat(core.handle(0, Topics.telemetry("steady"), telemetry("steady", 0, 1))).isNull();
        assertThat(core.handle(1, Topics.telemetry("real"), telemetry("real", 0, 1))).isEqualTo(Rejection.DEVICE_LIMIT);

        long seq = 1;
        for (long now = 10 * S; now <= evictAfter + 10 * S; now += 10 * S) {
            core.handle(now, Topics.telemetry("steady"), telemetry("steady", seq, seq + 1));
            seq++;
            for (int i = 0; i < 3; i++) core.handle(now, Topics.status("fake-" + i), ONLINE); // statuses do not keep them alive
            core.tick(now);
        }
        assertThat(core.evicted()).isEqualTo(3);
        assertThat(core.devices()).isEqualTo(1);
        assertThat(core.device("steady")).isNotNull();
        assertThat(core.device("fake-0")).isNull();
        assertThat(core.devicesInOrder()).extracting(DeviceRecord::id).containsExactly("steady");
        assertThat(core.handle(evictAfter + 11 * S, Topics.telemetry("real"), telemetry("real", 0, 1))).isNull();
        assertThat(core.devices()).isEqualTo(2);
    }

    @Test
    void shouldSpreadAMassEvictionOverTicks() {
        GatewayCore core = new GatewayCore(GatewayConfig.defaults().withEpoch(1).withEvictAfter(10 * S), Keyring.development(),
                new GatewayCoreTest.Recorded());
        int count = GatewayCore.EVICTIONS_PER_TICK_MAX + 44;
        for (int i = 0; i < count; i++) core.handle(0, Topics.telemetry("d" + i), telemetry("d" + i, 0, 1));
        core.tick(11 * S);
        assertThat(core.evicted()).isEqualTo(GatewayCore.EVICTIONS_PER_TICK_MAX);
        assertThat(core.device("d0")).as("the longest silent go first").isNull();
        core.tick(11 * S + 1);
        assertThat(core.evicted()).isEqualTo(count);
        assertThat(core.devices()).isZero();
    }

    @Test
    void shouldNotEvictADeviceWithACommandOutstandingUntilItTimesOut() {
        GatewayCore core = new GatewayCore(GatewayConfig.defaults().withEpoch(1).withCommands(1, 5 * S).withEvictAfter(10 * S),
                Keyring.development(), new GatewayCoreTest.Recorded());
        core.handle(0, Topics.telemetry("pi-1"), telemetry("pi-1", 0, 1));
        core.sendCommand(8 * S, "pi-1", CommandCode.BLINK, 1);
        core.tick(11 * S);
        assertThat(core.devices()).as("its command is still waiting").isEqualTo(1);
        core.tick(13 * S);
        assertThat(core.commandsTimedOut()).isEqualTo(1);
        core.tick(13 * S + 1);
        assertThat(core.devices()).isZero();
        assertThat(core.evicted()).isEqualTo(1);
    }

    @Test
    void shouldRefuseAHugeJumpAndKeepAcceptingTheRealFrames() {
        GatewayCore core = new GatewayCore(GatewayConfig.defaults().withEpoch(1), Keyring.development(), new GatewayCoreTest.Recorded());
        for (long s = 0; s < 10; s++) assertThat(core.handle(s, Topics.telemetry("pi-1"), telemetry("pi-1", s, 1_000 + s))).isNull();
        assertThat(core.handle(10, Topics.telemetry("pi-1"), telemetry("pi-1", 9 + (1L << 31) - 1, 2_000)))
                .isEqualTo(Rejection.TOO_FAR_AHEAD);
        for (long s = 10; s < 20; s++) assertThat(core.handle(s, Topics.telemetry("pi-1"), telemetry("pi-1", s, 1_000 + s))).isNull();
        assertThat(core.missingTotal()).isZero();
        assertThat(core.rejected(Rejection.TOO_FAR_AHEAD)).isEqualTo(1);
        assertThat(core.device("pi-1").sequences().tooFarAhead()).isEqualTo(1);
    }

    @Test
    void shouldAcceptADeviceWhoseCounterRestartedAndStillRefuseReplaysOfItsOldFrames() {
        GatewayCore core = new GatewayCore(GatewayConfig.defaults().withEpoch(1), Keyring.development(), new GatewayCoreTest.Recorded());
        Map<Long, byte[]> captured = new HashMap<>();
        for (long s = 0; s < 2_000; s++) {
            byte[] frame = telemetry("pi-1", s, 10_000 + s);
            captured.put(s, frame);
            assertThat(core.handle(s, Topics.telemetry("pi-1"), frame)).isNull();
        }
        // Reflashed: the counter starts at 0 again, the clock goes on.
        assertThat(core.handle(3_000, Topics.telemetry("pi-1"), telemetry("pi-1", 0, 20_000))).isNull();
        assertThat(core.resyncs()).isEqualTo(1);
        for (long s = 1; s < 100; s++) assertThat(core.handle(3_000 + s, Topics.telemetry("pi-1"), telemetry("pi-1", s, 20_000 + s))).isNull();

        assertThat(core.handle(4_000, Topics.telemetry("pi-1"), captured.get(50L))).as("old frame, sequence in the new window").isEqualTo(Rejection.REPLAY);
        assertThat(core.handle(4_000, Topics.telemetry("pi-1"), captured.get(1_999L))).as("old frame, sequence ahead").isEqualTo(Rejection.REPLAY);
        assertThat(core.handle(4_000, Topics.telemetry("pi-1"), captured.get(0L))).isEqualTo(Rejection.REPLAY);
        assertThat(core.handle(4_001, Topics.telemetry("pi-1"), telemetry("pi-1", 100, 20_100))).isNull();
        assertThat(core.resyncs()).isEqualTo(1);
        assertThat(core.missingTotal()).isZero();
        assertThat(core.telemetryAccepted()).isEqualTo(2_101);
    }

    @Test
    void shouldRefuseACapturedFrameReplayedWithoutARestart() {
        GatewayCore core = new GatewayCore(GatewayConfig.defaults().withEpoch(1), Keyring.development(), new GatewayCoreTest.Recorded());
        byte[] old = telemetry("pi-1", 0, 100);
        core.handle(0, Topics.telemetry("pi-1"), old);
        for (long s = 1; s < 3_000; s++) core.handle(s, Topics.telemetry("pi-1"), telemetry("pi-1", s, 100 + s));
        assertThat(core.handle(3_000, Topics.telemetry("pi-1"), old)).as("below the window, signed long ago").isEqualTo(Rejection.TOO_OLD);
        assertThat(core.resyncs()).isZero();
    }

    @Test
    void shouldFindEveryRecordAfterRandomRemovalsFromTheDeviceTable() {
        Random random = new Random(14);
        DeviceTable table = new DeviceTable(64);
        Map<String, DeviceRecord> model = new HashMap<>();
        for (int step = 0; step < 20_000; step++) {
            String id = "d" + random.nextInt(100);
            DeviceRecord present = model.get(id);
            if (present != null && random.nextBoolean()) {
                table.remove(present);
                model.remove(id);
            } else if (present == null && model.size() < 64) {
                DeviceRecord record = new DeviceRecord(id, null, 1, 64, 64, 0);
                table.put(record);
                model.put(id, record);
            }
            assertThat(table.size()).isEqualTo(model.size());
            String probe = "d" + random.nextInt(100);
            assertThat(table.get(probe)).as("step %d, %s", step, probe).isSameAs(model.get(probe));
        }
    }
}
