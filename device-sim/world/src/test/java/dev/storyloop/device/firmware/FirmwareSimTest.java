package dev.storyloop.device.firmware;

import dev.storyloop.device.chan.OverflowPolicy;
import dev.storyloop.device.diag.LongPollReport;
import dev.storyloop.device.diag.TraceRecorder;
import dev.storyloop.device.hal.SimBoard;
import dev.storyloop.device.memory.BudgetExceededException;
import dev.storyloop.device.sim.SimTransport;
import dev.storyloop.device.sim.SimWorld;
import dev.storyloop.device.sim.BrokerLimits;
import dev.storyloop.device.sim.LinkProfile;
import dev.storyloop.protocol.AckStatus;
import dev.storyloop.protocol.CommandCode;
import dev.storyloop.protocol.Frame;
import org.junit.jupiter.api.Test;

import static dev.storyloop.device.firmware.SimRig.MS;
import static dev.storyloop.device.firmware.SimRig.S;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The firmware in the simulated world: every claim is exact, because time and the network are deterministic. */
class FirmwareSimTest {

    private static FirmwareConfig.Builder config() {
        return FirmwareConfig.builder("pi-1").samplePeriodNanos(100 * MS).backoff(200 * MS, 2 * S, true);
    }

    @Test
    void shouldDeliverConsecutiveSequenceNumbersWithValidTags() {
        SimRig rig = new SimRig(1, config().build());
        rig.runFor(30 * S);

        Device device = rig.device;
        assertThat(device.stats().sampled()).isBetween(299L, 301L);
        assertThat(rig.ledger.rejected()).isZero();
        assertThat(rig.ledger.consecutive(rig.id())).isTrue();
        assertThat(rig.ledger.duplicates(rig.id())).isZero();
        assertThat((long) rig.ledger.distinct(rig.id())).isEqualTo(device.stats().delivered());
        assertThat(device.dropped()).isZero();
        assertThat(rig.ledger.status(rig.id())).isEqualTo("online");
        device.checkBooks();
        assertThat(rig.diagnostics.lostWakers()).isEmpty();
        assertThat(device.executor().failures()).isZero();
    }

    @Test
    void shouldActOnCommandsAndAcknowledgeEachWithItsCorrelationId() {
        SimRig rig = new SimRig(2, config().build());
        rig.runFor(2 * S);

        rig.command(11, CommandCode.SET_SAMPLE_PERIOD, 50);
        rig.command(12, CommandCode.SET_SAMPLE_PERIOD, 0);           // below the fastest period
        rig.command(13, CommandCode.BLINK, 3);
        rig.command(14, CommandCode.SET_OVERFLOW_POLICY, 2);
        rig.command(15, CommandCode.SET_OVERFLOW_POLICY, 7);
        rig.command(13, CommandCode.BLINK, 3);                        // redelivered: acknowledged, not done again
        rig.runFor(2 * S);

        assertThat(rig.ledger.ack(11)).isEqualTo(AckStatus.OK);
        assertThat(rig.ledger.ack(12)).isEqualTo(AckStatus.BAD_ARGUMENT);
        assertThat(rig.ledger.ack(13)).isEqualTo(AckStatus.OK);
        assertThat(rig.ledger.ack(14)).isEqualTo(AckStatus.OK);
        assertThat(rig.ledger.ack(15)).isEqualTo(AckStatus.BAD_ARGUMENT);
        DeviceStats stats = rig.device.stats();
        assertThat(stats.commandsReceived()).isEqualTo(6);
        assertThat(stats.commandsDuplicate()).isEqualTo(1);
        assertThat(stats.acksSent()).isEqualTo(6);
        assertThat(stats.blinks()).isEqualTo(3);
        assertThat(rig.board.gpio().ledToggles()).isEqualTo(6);
        assertThat(rig.board.gpio().ledOn()).isFalse();
        assertThat(rig.device.samplePeriodNanos()).isEqualTo(50 * MS);
        assertThat(rig.device.uplink().policy()).isEqualTo(OverflowPolicy.DROP_NEWEST);
        long before = stats.sampled();
        rig.runFor(1 * S);
        assertThat(stats.sampled() - before).isBetween(19L, 21L); // 50 ms now
    }

    @Test
    void shouldTakeAReadingAtOnceWhenTheButtonInterruptFires() {
        SimRig rig = new SimRig(11, config().samplePeriodNanos(10 * S).build());
        rig.runFor(1 * S);
        long before = rig.device.stats().sampled();
        rig.board.gpio().press();
        rig.runFor(100 * MS);

        assertThat(rig.device.stats().sampled()).isEqualTo(before + 1);
        assertThat(rig.device.stats().buttonSamples()).isEqualTo(1);
        assertThat(rig.ledger.consecutive(rig.id())).isTrue();
    }

    @Test
    void shouldExecuteTheSameCorrelationIdUnderANewGatewayEpoch() {
        SimRig rig = new SimRig(2, config().build());
        rig.runFor(2 * S);

        rig.command(7, 1, CommandCode.SET_SAMPLE_PERIOD, 50);
        rig.runFor(1 * S);
        rig.command(8, 1, CommandCode.SET_SAMPLE_PERIOD, 200);       // a restarted gateway's first command
        rig.command(8, 1, CommandCode.SET_SAMPLE_PERIOD, 200);       // and its redelivery
        rig.runFor(2 * S);

        assertThat(rig.ledger.ack(7, 1)).isEqualTo(AckStatus.OK);
        assertThat(rig.ledger.ack(8, 1)).isEqualTo(AckStatus.OK);
        assertThat(rig.device.samplePeriodNanos()).isEqualTo(200 * MS);
        assertThat(rig.device.stats().commandsReceived()).isEqualTo(3);
        assertThat(rig.device.stats().commandsDuplicate()).isEqualTo(1);
    }

    @Test
    void shouldRejectForgedAndMisaddressedFramesAndCountThem() {
        SimRig rig = new SimRig(3, config().build());
        rig.runFor(1 * S);
        Frame forged = new Frame().reset(dev.storyloop.protocol.FrameType.COMMAND, "pi-2", 0, 0).command(1, 5, CommandCode.REBOOT, 0);
        rig.send(dev.storyloop.protocol.Topics.cmd(rig.id()), forged); // signed with pi-2's key, names pi-2
        rig.gateway.publish(new dev.storyloop.device.sim.Message(dev.storyloop.protocol.Topics.cmd(rig.id()), new byte[] {1, 2, 3}, 1, false));
        rig.runFor(1 * S);

        assertThat(rig.device.stats().commandsRejected()).isEqualTo(2);
        assertThat(rig.device.stats().reboots()).isZero();
        assertThat(rig.ledger.ack(5)).isNull();
    }

    @Test
    void shouldRebootKeepingTheSequenceCounterSoTheGapEqualsWhatRamHeld() {
        SimRig rig = new SimRig(4, config().build());
        rig.runFor(3 * S);
        rig.command(21, CommandCode.REBOOT, 0);
        rig.runFor(5 * S);

        Device device = rig.device;
        assertThat(rig.ledger.ack(21)).isEqualTo(AckStatus.OK);
        assertThat(device.stats().reboots()).as(rig.diagnostics.dump()).isEqualTo(1);
        assertThat(device.boots()).isEqualTo(2);
        assertThat(device.stats().connects()).as(rig.diagnostics.dump()).isEqualTo(2);
        int end = (int) device.nextSequence();
        assertThat(rig.ledger.highest(rig.id())).isGreaterThan(60); // sequence numbers went on, not from 0
        assertThat((long) rig.ledger.missingBelow(rig.id(), end))
                .isEqualTo(device.dropped() + device.buffered());
        device.checkBooks();
        assertThat(rig.diagnostics.lostWakers()).isEmpty();
    }

    @Test
    void shouldLoseNothingWhenAnOutageFitsTheQueue() {
        SimRig rig = new SimRig(5, config().uplinkCapacity(64).keepAliveSeconds(1).build());
        rig.runFor(2 * S);
        rig.world.partition(rig.id(), rig.world.nowNanos() + 5 * S, true, true); // 50 readings, fit in 64
        rig.runFor(20 * S);

        Device device = rig.device;
        assertThat(device.stats().connectionsLost()).isGreaterThanOrEqualTo(1);
        assertThat(device.dropped()).isZero();
        assertThat(rig.ledger.consecutive(rig.id())).isTrue();
        assertThat((long) rig.ledger.distinct(rig.id())).isEqualTo(device.stats().sampled() - device.buffered());
        device.checkBooks();
    }

    @Test
    void shouldDropExactlyWhatTheGatewayMissesWhenAnOutageOverflowsTheQueue() {
        for (OverflowPolicy policy : new OverflowPolicy[] {OverflowPolicy.DROP_OLDEST, OverflowPolicy.DROP_NEWEST}) {
            SimRig rig = new SimRig(6, config().uplinkCapacity(16).overflowPolicy(policy).build());
            rig.runFor(2 * S);
            rig.world.partition(rig.id(), rig.world.nowNanos() + 10 * S, true, true); // ~100 readings into 16 + window
            rig.runFor(30 * S);

            Device device = rig.device;
            assertThat(device.dropped()).as(policy.toString()).isGreaterThan(50);
            int end = (int) device.nextSequence();
            assertThat((long) rig.ledger.missingBelow(rig.id(), end)).as(policy.toString())
                    .isEqualTo(device.dropped() + device.buffered());
            assertThat(device.stats().peakBuffered()).isLessThanOrEqualTo(16 + device.config().uplinkWindow());
            device.checkBooks();
        }
    }

    @Test
    void shouldBackpressureTheSamplerUnderTheBlockPolicy() {
        SimRig rig = new SimRig(7, config().uplinkCapacity(16).overflowPolicy(OverflowPolicy.BLOCK).build());
        rig.runFor(2 * S);
        rig.world.partition(rig.id(), rig.world.nowNanos() + 10 * S, true, true);
        rig.runFor(30 * S);

        Device device = rig.device;
        assertThat(device.dropped()).isZero();
        assertThat(device.uplink().stats().sendWaits()).isPositive();
        assertThat(device.stats().sampled()).isLessThan(300); // readings not taken while blocked: 320 periods passed
        assertThat(rig.ledger.consecutive(rig.id())).isTrue();
        device.checkBooks();
    }

    @Test
    void shouldHoldFramesWithoutCreditAndReleaseThemWhenCreditComes() {
        SimRig rig = new SimRig(8, config().build());
        rig.runFor(1 * S);
        rig.credit(0, Frame.U32_MAX);
        rig.runFor(2 * S);
        long deliveredWithoutCredit = rig.device.stats().delivered();
        rig.runFor(2 * S);
        assertThat(rig.device.stats().delivered()).isEqualTo(deliveredWithoutCredit);
        assertThat(rig.device.buffered()).isGreaterThanOrEqualTo(19);
        assertThat(rig.device.stats().flowWaits()).isPositive();

        rig.credit(5, Frame.U32_MAX);
        rig.runFor(1 * S);
        assertThat(rig.device.stats().published()).isEqualTo(deliveredWithoutCredit + 5);

        rig.credit(Frame.U32_MAX, 4_000); // 4 frames/s
        rig.runFor(5 * S);
        long published = rig.device.stats().published();
        rig.runFor(5 * S);
        assertThat(rig.device.stats().published() - published).isBetween(19L, 21L);
        rig.device.checkBooks();
    }

    @Test
    void shouldSpreadReconnectsWithFullJitter() {
        Backoff jittered = new Backoff(100 * MS, 1 * S, true, 42);
        Backoff fixed = new Backoff(100 * MS, 1 * S, false, 42);
        long[] ceilings = {100 * MS, 200 * MS, 400 * MS, 800 * MS, 1 * S, 1 * S};
        for (long ceiling : ceilings) {
            assertThat(fixed.nextDelayNanos()).isEqualTo(ceiling);
            assertThat(jittered.nextDelayNanos()).isBetween(0L, ceiling);
        }
        Backoff again = new Backoff(100 * MS, 1 * S, true, 42);
        Backoff same = new Backoff(100 * MS, 1 * S, true, 42);
        for (int i = 0; i < 20; i++) assertThat(again.nextDelayNanos()).isEqualTo(same.nextDelayNanos());
        assertThat(fixed.ceilingNanos(1_000)).isEqualTo(1 * S);
    }

    @Test
    void shouldReportTheLostWakerOfTheRefreshFromTheSourceOfTruth() {
        FirmwareConfig buggy = config().refreshLosesWake(true).hmacTiming(2 * MS, 40 * MS, 1)
                .tokenRefresh(10 * S, 15 * S).build();
        SimRig rig = new SimRig(9, buggy);
        rig.runFor(30 * S);

        assertThat(rig.diagnostics.lostWakers()).isNotEmpty();
        assertThat(rig.diagnostics.lostWakers().get(0).task()).isEqualTo("token-refresh");
        assertThat(rig.device.stats().refreshes()).isZero();
        assertThat(rig.device.stats().published()).isZero(); // never had a token

        SimRig fixed = new SimRig(9, buggy.toBuilder().refreshLosesWake(false).build());
        fixed.runFor(30 * S);
        assertThat(fixed.diagnostics.lostWakers()).isEmpty();
        assertThat(fixed.device.stats().refreshes()).isEqualTo(3);
        assertThat(fixed.ledger.consecutive(fixed.id())).isTrue();
    }

    @Test
    void shouldReportTheLongPollOfAnInlineHmacCall() {
        FirmwareConfig inline = config().hmacInline(true).hmacTiming(2 * MS, 40 * MS, 1).tokenRefresh(5 * S, 10 * S).build();
        SimRig rig = new SimRig(10, inline);
        rig.runFor(12 * S);

        assertThat(rig.diagnostics.longPolls()).hasSize(3);
        LongPollReport first = rig.diagnostics.longPolls().get(0);
        assertThat(first.task()).isEqualTo("token-refresh");
        assertThat(rig.device.stats().refreshes()).isEqualTo(3);
    }

    @Test
    void shouldLoseReadingsSilentlyWhenASelectCancelsTheBranchHoldingOneAndNotWhenReordered() {
        long[] results = new long[4];
        LoopStyle[] styles = {LoopStyle.SELECT_LOSES_READING, LoopStyle.SELECT_KEEPS_READING};
        for (int v = 0; v < styles.length; v++) {
            SimRig rig = new SimRig(14, config().samplePeriodNanos(50 * MS).hmacTiming(5 * MS, 40 * MS, 8).loopStyle(styles[v]).build(),
                    LinkProfile.lan().withLatency(dev.storyloop.device.sim.Distribution.constant(10 * MS)).withJitter(3 * MS));
            rig.runFor(1 * S);
            for (int c = 1; c <= 40; c++) {
                long correlation = c;
                rig.world.at(rig.world.nowNanos() + c * 230 * MS, () -> rig.command(correlation, CommandCode.BLINK, 1));
            }
            rig.runFor(12 * S);
            int end = (int) rig.device.nextSequence();
            results[2 * v] = rig.ledger.missingBelow(rig.id(), end) - rig.device.buffered();
            results[2 * v + 1] = rig.device.unaccounted();
            assertThat(rig.device.dropped()).as(styles[v].toString()).isZero();
            assertThat(rig.ledger.ack(40)).as("commands answered").isEqualTo(AckStatus.OK);
        }
        assertThat(results[0]).as("readings the gateway misses, select first").isPositive();
        assertThat(results[1]).as("readings the device cannot place").isGreaterThanOrEqualTo(results[0]);
        assertThat(results[2]).as("reordered: none missing").isZero();
        assertThat(results[3]).as("reordered: books balance").isZero();
    }

    @Test
    void shouldHangOnlyTheRequestsWhoseSignatureTookTheSlowPathWhenTheFutureLosesItsWaker() {
        for (boolean losesWake : new boolean[] {true, false}) {
            // Without the cache deciding, every token refresh (one in 1) would take the slow path and hang at boot.
            FirmwareConfig requests = config().requestSigning(true, 8, 2 * S).hmacBudgetPerSecond(2).hmacTiming(2 * MS, 40 * MS, 1)
                    .refreshLosesWake(losesWake).build();
            SimRig rig = new SimRig(15, requests);
            rig.runFor(1 * S);
            for (int c = 1; c <= 30; c++) { // 3 requests a second against a cache of 2 a second
                long correlation = c;
                rig.world.at(rig.world.nowNanos() + c * 333 * MS, () -> rig.command(correlation, CommandCode.BLINK, 1));
            }
            rig.runFor(15 * S);
            int answered = 0;
            for (long c = 1; c <= 30; c++) if (rig.ledger.ack(c) == AckStatus.OK) answered++;
            DeviceStats stats = rig.device.stats();
            assertThat(stats.requests()).isEqualTo(30);
            assertThat(stats.refreshes()).as("the boot-time token came from the cache").isEqualTo(1);
            assertThat(stats.published()).as("the device publishes").isPositive();
            if (losesWake) {
                assertThat(stats.requestsFromSourceOfTruth()).as("a third of the requests go past the cache").isBetween(8L, 12L);
                assertThat(answered).isEqualTo(30 - (int) stats.requestsFromSourceOfTruth());
                assertThat(stats.requestsAbandoned()).isEqualTo(stats.requestsFromSourceOfTruth());
                assertThat(rig.diagnostics.lostWakers()).isNotEmpty().allSatisfy(r -> assertThat(r.task()).isEqualTo("request"));
            } else {
                assertThat(answered).isEqualTo(30);
                assertThat(rig.diagnostics.lostWakers()).isEmpty();
            }
            assertThat(rig.ledger.consecutive(rig.id())).as("telemetry is unaffected").isTrue();
        }
    }

    @Test
    void shouldFailBootWithTheMemoryMapWhenTheQueueDoesNotFit() {
        SimWorld world = new SimWorld(1, BrokerLimits.MOSQUITTO_DEFAULTS, LinkProfile.lan());
        FirmwareConfig tooBig = config().uplinkCapacity(1_000).ramBytes(64 * 1024).build();
        assertThatThrownBy(() -> Device.boot(tooBig, world.clock(), new SimTransport(world, "pi-1"), new SimBoard(world.clock())))
                .isInstanceOf(BudgetExceededException.class)
                .hasMessageContaining("RAM overflowed by")
                .hasMessageContaining("uplink queue 1000 x");
    }

    @Test
    void shouldGiveTheSameTraceForTheSameSeed() {
        assertThat(traceDigest(12)).isEqualTo(traceDigest(12));
        assertThat(traceDigest(12)).isNotEqualTo(traceDigest(13));
    }

    private static String traceDigest(long seed) {
        FirmwareConfig firmware = config().seed(seed).build();
        SimRig rig = new SimRig(seed, firmware, LinkProfile.lan().withLoss(0.05));
        TraceRecorder trace = TraceRecorder.digestOnly("pi-1");
        rig.device.executor().addObserver(trace);
        rig.world.partition(rig.id(), 3 * S, true, true);
        rig.runFor(10 * S);
        return trace.digestHex() + " " + rig.device.stats().delivered();
    }
}
