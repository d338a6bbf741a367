package dev.storyloop.device.firmware;

import dev.storyloop.device.sim.Message;
import dev.storyloop.protocol.Topics;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static dev.storyloop.device.firmware.SimRig.MS;
import static dev.storyloop.device.firmware.SimRig.S;
import static org.assertj.core.api.Assertions.assertThat;

/** A board that loses power: no DISCONNECT, no FIN, the broker notices on the keepalive; with or without a last will. */
class PowerCutSimTest {
    private static FirmwareConfig.Builder config(boolean will) {
        return FirmwareConfig.builder("pi-1").seed(7).samplePeriodNanos(200 * MS).keepAliveSeconds(4).lastWill(will);
    }

    private static String retainedStatus(SimRig rig) {
        Message kept = rig.world.broker().retained(Topics.status(rig.id()));
        return kept == null ? null : new String(kept.payload(), StandardCharsets.US_ASCII);
    }

    @Test
    void shouldLeaveTheRetainedOnlineBehindWhenADeviceWithoutAWillLosesPower() {
        SimRig rig = new SimRig(21, config(false).build());
        rig.runFor(3 * S);
        assertThat(retainedStatus(rig)).isEqualTo("online");

        rig.transport.powerCut();
        rig.device.powerCut();
        rig.runFor(1 * S);
        assertThat(rig.world.broker().isConnected(rig.id())).as("the broker has heard nothing yet").isTrue();
        rig.runFor(19 * S); // past 1.5 x the 4 s keepalive, whenever the broker's keepalive check comes round
        assertThat(rig.world.broker().isConnected(rig.id())).as("the keepalive lapsed").isFalse();
        assertThat(retainedStatus(rig)).as("no will: the status still says online").isEqualTo("online");
        assertThat(rig.device.isPoweredOff()).isTrue();
        assertThat(rig.device.stats().powerCuts()).isEqualTo(1);
        rig.device.checkBooks();
    }

    @Test
    void shouldPublishTheWillOnlyWhenTheKeepaliveLapsesAndComeBackOnlineAfterPowerReturns() {
        SimRig rig = new SimRig(22, config(true).build());
        rig.runFor(3 * S);
        long sampledBefore = rig.device.stats().sampled();

        rig.transport.powerCut();
        rig.device.powerCut();
        rig.runFor(5 * S); // beyond the keepalive, short of 1.5 x it
        assertThat(retainedStatus(rig)).as("the broker still believes the device online").isEqualTo("online");
        rig.runFor(15 * S);
        assertThat(retainedStatus(rig)).as("the will, once the broker saw 1.5 keepalives of silence").isEqualTo("offline");
        assertThat(rig.device.stats().sampled()).as("a board without power samples nothing").isEqualTo(sampledBefore);

        rig.device.powerOn();
        rig.runFor(3 * S);
        assertThat(retainedStatus(rig)).isEqualTo("online");
        assertThat(rig.device.isPoweredOff()).isFalse();
        assertThat(rig.device.stats().sampled()).isGreaterThan(sampledBefore);
        rig.device.checkBooks();
        assertThat(rig.device.unaccounted()).isZero();
    }
}
