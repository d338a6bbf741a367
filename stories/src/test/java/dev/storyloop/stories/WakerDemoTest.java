package dev.storyloop.stories;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class WakerDemoTest {
    private static final long TEN_MINUTES = 600_000_000_000L;

    @Test
    void shouldReproduceTheLostWakeUpAndNameTheTask() {
        WakerDemo.Result buggy = WakerDemo.run(1, false, TEN_MINUTES);

        assertThat(buggy.lostWakers()).singleElement().satisfies(report -> {
            assertThat(report.task()).isEqualTo("token-refresh");
            assertThat(report.lastWaitingOn()).isEqualTo("HMAC refresh from the source of truth");
        });
        assertThat(buggy.published()).isLessThan(buggy.sampled());
        assertThat(buggy.peakDepth()).isEqualTo(16);
        assertThat(buggy.dump()).contains("waiting on capacity of channel 'uplink'", "[NO WAKER HELD]");
    }

    @Test
    void shouldPublishEverythingOnceTheFutureRegistersItsWaker() {
        WakerDemo.Result fixed = WakerDemo.run(1, true, TEN_MINUTES);

        assertThat(fixed.lostWakers()).isEmpty();
        assertThat(fixed.refreshes()).isEqualTo(60);
        assertThat(fixed.sampled() - fixed.published()).isLessThanOrEqualTo(1); // at most the reading in flight
    }

    @Test
    void shouldGiveTheSameTraceForTheSameSeed() {
        WakerDemo.Result first = WakerDemo.run(7, false, TEN_MINUTES);
        WakerDemo.Result second = WakerDemo.run(7, false, TEN_MINUTES);

        assertThat(second.traceDigest()).isEqualTo(first.traceDigest());
        assertThat(second.traceEvents()).isEqualTo(first.traceEvents());
        assertThat(WakerDemo.run(8, false, TEN_MINUTES).traceDigest()).isNotEqualTo(first.traceDigest());
    }
}
