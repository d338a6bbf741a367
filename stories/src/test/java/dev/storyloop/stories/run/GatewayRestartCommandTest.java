package dev.storyloop.stories.run;

import dev.storyloop.device.firmware.Device;
import dev.storyloop.device.firmware.FirmwareConfig;
import dev.storyloop.device.hal.SimBoard;
import dev.storyloop.device.sim.BrokerLimits;
import dev.storyloop.device.sim.LinkProfile;
import dev.storyloop.device.sim.SimTransport;
import dev.storyloop.device.sim.SimWorld;
import dev.storyloop.gateway.core.GatewayConfig;
import dev.storyloop.gateway.core.GatewayCore;
import dev.storyloop.gateway.core.Keyring;
import dev.storyloop.gateway.core.Outbox;
import dev.storyloop.protocol.CommandCode;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 14, item 2, end to end in the simulated world: the firmware and two gateway processes one
 * after the other. Each process numbers its commands from 1; under its own epoch the second
 * process's command 1 is a new command, executed, not taken for a redelivery of the first's.
 */
class GatewayRestartCommandTest {
    static final long MS = 1_000_000L;
    static final long S = 1_000 * MS;

    @Test
    void shouldExecuteTheFirstCommandOfARestartedGatewayProcess() throws Exception {
        SimWorld world = new SimWorld(14, new BrokerLimits(20, 1000, false), LinkProfile.lan());
        GatewayConfig config = GatewayConfig.defaults().withMaxDevices(16);
        SimGateway first = new SimGateway(world, new GatewayCore(config.withEpoch(1), Keyring.development(), Outbox.NONE), 0);
        world.runFor(20 * MS);
        FirmwareConfig firmware = FirmwareConfig.builder("pi-1").seed(14).samplePeriodNanos(100 * MS).build();
        Device device = Device.boot(firmware, world.clock(), new SimTransport(world, "pi-1"), new SimBoard(world.clock()));
        world.add(device.executor());
        device.start();
        world.runFor(2 * S);

        GatewayCore.Submission before = first.core().sendCommand(world.nowNanos(), "pi-1", CommandCode.SET_SAMPLE_PERIOD, 500);
        world.runFor(2 * S);
        assertThat(first.core().commandsAcked()).isEqualTo(1);
        assertThat(device.samplePeriodNanos()).isEqualTo(500 * MS);

        first.stop();
        SimGateway second = new SimGateway(world, new GatewayCore(config.withEpoch(2), Keyring.development(), Outbox.NONE), 0, "gateway-2");
        world.runFor(2 * S); // pi-1's next frames register it with the new process
        GatewayCore.Submission after = second.core().sendCommand(world.nowNanos(), "pi-1", CommandCode.SET_SAMPLE_PERIOD, 250);
        assertThat(after.correlationId()).as("the new process counts from 1 again").isEqualTo(before.correlationId());
        world.runFor(2 * S);

        assertThat(second.core().commandsAcked()).isEqualTo(1);
        assertThat(device.samplePeriodNanos()).as("executed, not deduplicated").isEqualTo(250 * MS);
        assertThat(device.stats().commandsDuplicate()).isZero();
        assertThat(device.stats().commandsReceived()).isEqualTo(2);
    }
}
