package dev.storyloop.device.time;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The live clock's two faces: monotonic loop time from 0, and the Unix time at its origin for frame timestamps. */
class RealClockTest {

    @Test
    void shouldPutItsOriginAtTheWallClockSoARestartedDeviceSendsLaterTimestamps() {
        long before = System.currentTimeMillis();
        RealClock first = new RealClock();
        long after = System.currentTimeMillis();

        assertThat(first.wallOriginMillis()).isBetween(before, after);
        assertThat(first.nanos()).isNotNegative();
        // A process started later has a later origin: its timestamps go on from where the first one's stopped.
        RealClock restarted = new RealClock();
        assertThat(restarted.wallOriginMillis()).isGreaterThanOrEqualTo(first.wallOriginMillis());
    }

    @Test
    void shouldStartAVirtualWorldAtZero() {
        assertThat(new VirtualClock().wallOriginMillis()).isZero();
    }
}
