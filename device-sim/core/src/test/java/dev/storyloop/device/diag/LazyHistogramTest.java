package dev.storyloop.device.diag;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class LazyHistogramTest {

    @Test
    void shouldCountZerosWithoutAHistogram() {
        LazyHistogram h = new LazyHistogram(1_000_000L);
        for (int i = 0; i < 5; i++) h.record(0);
        h.record(-3); // clamped to zero, as the eager histogram did

        assertThat(h.materialized()).isFalse();
        assertThat(h.histogram().getTotalCount()).isEqualTo(6);
        assertThat(h.histogram().getMaxValue()).isZero();
        assertThat(h.histogram().getValueAtPercentile(99)).isZero();
        assertThat(h.maxValue()).isZero();
        assertThat(h.valueAtPercentile(99)).isZero();
        assertThat(h.materialized()).isFalse();
    }

    @Test
    void shouldKeepTheZerosWhenTheFirstValueArrives() {
        LazyHistogram h = new LazyHistogram(1_000_000L);
        for (int i = 0; i < 98; i++) h.record(0);
        h.record(5_000);
        h.record(7_000);

        assertThat(h.materialized()).isTrue();
        assertThat(h.histogram().getTotalCount()).isEqualTo(100);
        assertThat(h.histogram().getValueAtPercentile(50)).isZero();
        assertThat(h.histogram().getValueAtPercentile(99)).isBetween(4_900L, 5_100L);
        assertThat(h.histogram().getMaxValue()).isBetween(6_900L, 7_100L);
        assertThat(h.maxValue()).isEqualTo(h.histogram().getMaxValue());
        assertThat(h.valueAtPercentile(99)).isEqualTo(h.histogram().getValueAtPercentile(99));
    }

    @Test
    void shouldClampToTheHighestValue() {
        LazyHistogram h = new LazyHistogram(1_000_000L);
        h.record(5_000_000L);

        assertThat(h.histogram().getMaxValue()).isBetween(990_000L, 1_010_000L);
    }
}
