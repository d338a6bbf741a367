package dev.storyloop.gateway.core;

import dev.storyloop.protocol.DecodeResult;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RejectionTest {

    @Test
    void shouldNameEveryFailedDecodeAsTheProtocolDoes() {
        for (DecodeResult result : DecodeResult.values()) {
            if (result == DecodeResult.OK) continue;
            Rejection rejection = Rejection.of(result);
            assertThat(rejection.name()).isEqualTo(result.name());
            assertThat(rejection.label()).isEqualTo(result.reason());
            assertThat(Rejection.values()).contains(rejection);
        }
        assertThatThrownBy(() -> Rejection.of(DecodeResult.OK)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void shouldNumberReasonsByTheirPlaceWithUniqueLabels() {
        List<Rejection> values = Rejection.values();
        Set<String> labels = new HashSet<>();
        for (int i = 0; i < values.size(); i++) {
            assertThat(values.get(i).ordinal()).isEqualTo(i);
            assertThat(labels.add(values.get(i).label())).as("label %s once", values.get(i).label()).isTrue();
        }
        assertThat(values).hasSize(DecodeResult.values().length - 1 + 13);
    }

    @Test
    void shouldKeepTheLabelsAndOrderTheMetricsAndStatsUse() {
        // The order of the stats JSON's "rejects" object and of the Prometheus series follows values().
        List<String> labels = new ArrayList<>();
        for (Rejection rejection : Rejection.values()) labels.add(rejection.label());
        assertThat(labels).containsExactly("oversized", "bad-topic", "wrong-kind", "bad-status", "status-unregistered",
                "too-short", "too-long", "bad-magic", "unknown-version", "unknown-type", "bad-device-id", "bad-payload-length",
                "bad-payload", "unknown-device", "bad-tag",
                "id-mismatch", "wrong-type", "replay", "too-old", "too-far-ahead", "device-limit", "ingest-full", "stale-ack");
    }
}
