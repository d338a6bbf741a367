package dev.storyloop.device.time;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class VirtualClockTest {
    private static final long S = 1_000_000_000L;

    @Test
    void shouldMoveTheOneTimeWhenSpentOutsideADevicesStep() {
        VirtualClock clock = new VirtualClock();
        clock.advanceTo(2 * S);
        clock.spend(3 * S);
        assertThat(clock.nanos()).isEqualTo(5 * S);
        assertThat(clock.worldNanos()).isEqualTo(5 * S);
    }

    @Test
    void shouldMoveOnlyTheDevicesLocalTimeWhenSpentInsideItsStep() {
        VirtualClock clock = new VirtualClock();
        clock.advanceTo(2 * S);

        clock.enterLocal(0); // a free CPU starts at the world's time
        assertThat(clock.nanos()).isEqualTo(2 * S);
        clock.spend(3 * S);
        assertThat(clock.nanos()).as("the device's own time").isEqualTo(5 * S);
        assertThat(clock.worldNanos()).as("the world's time").isEqualTo(2 * S);
        assertThat(clock.exitLocal()).as("busy until").isEqualTo(5 * S);
        assertThat(clock.nanos()).isEqualTo(2 * S);

        clock.enterLocal(5 * S); // still busy: the step starts where the last one ended
        assertThat(clock.nanos()).isEqualTo(5 * S);
        assertThat(clock.exitLocal()).isEqualTo(5 * S);

        clock.advanceTo(7 * S);
        clock.enterLocal(5 * S); // free again: the world's time
        assertThat(clock.nanos()).isEqualTo(7 * S);
        assertThat(clock.exitLocal()).isEqualTo(7 * S);
    }
}
