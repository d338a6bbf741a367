package dev.storyloop.stories.catalog;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.storyloop.stories.scenario.Scenario;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Constructor;
import java.lang.reflect.Parameter;
import java.lang.reflect.RecordComponent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class MetricCatalogTest {

    @Test
    void shouldKeepTheCommittedMetricsPageEqualToTheCatalog() throws Exception {
        assertThat(Files.readString(Path.of("METRICS.md")))
                .as("stories/METRICS.md is stale: ./storyloop metrics --markdown > stories/METRICS.md").isEqualTo(CatalogText.markdown());
    }

    @Test
    void shouldDeclareEveryMetricWithAMeaningAUnitAndAWorld() {
        assertThat(MetricCatalog.all()).hasSizeGreaterThan(50);
        for (Metric m : MetricCatalog.all()) {
            assertThat(m.meaning()).as(m.name()).isNotBlank();
            assertThat(m.unit()).as(m.name()).isNotBlank();
            assertThat(m.aggregate()).as(m.name()).isNotBlank();
            assertThat(m.worlds()).as(m.name()).isNotEmpty();
        }
        assertThat(MetricCatalog.find("gateway.command_timeouts").orElseThrow().gateway().json()).isEqualTo("commandsTimedOut");
        assertThat(MetricCatalog.find("gateway.command_timeouts").orElseThrow().gateway().prometheus())
                .isEqualTo("storyloop_gateway_commands_timed_out_total");
        assertThat(MetricCatalog.find("reconnect_seconds").orElseThrow().meaning()).contains("not a span");
        assertThat(MetricCatalog.find("throughput_peak").orElseThrow().meaning()).contains("1 / cost");
        assertThat(MetricCatalog.find("broker.dropped.queue-full").orElseThrow().meaning()).contains("max-queued: 0, which means unlimited");
    }

    @Test
    void shouldListMetricsAsATableAndAsJson() throws Exception {
        assertThat(CatalogText.table()).contains("device.unreceived", "simulated, live", "per-second series", "gateway_backlog");
        var json = new ObjectMapper().readTree(CatalogText.json());
        assertThat(json.get("metrics").size()).isEqualTo(MetricCatalog.all().size());
        assertThat(json.get("series").size()).isEqualTo(MetricCatalog.series().size());
        assertThat(json.get("gateway").size()).isPositive();
    }

    @Test
    void shouldSuggestTheClosestNames() {
        assertThat(MetricCatalog.closest("gateway.mising", MetricCatalog.names())).first().isEqualTo("gateway.missing");
        assertThat(MetricCatalog.closest("lost_waker_task", List.of("lost_waker_task", "lost_waker_tasks"))).first().isEqualTo("lost_waker_task");
        assertThat(MetricCatalog.closest("zzzz", MetricCatalog.names())).isEmpty();
    }

    @Test
    void shouldHaveATemplateThatListsEveryKeyOfTheScenarioModel() throws Exception {
        String template = Files.readString(Path.of("src/main/java/dev/storyloop/cli/NewCommand.java"));
        List<String> missing = new ArrayList<>();
        for (Class<?> type : List.of(Scenario.class, Scenario.Devices.class, Scenario.Firmware.class, Scenario.Network.class,
                Scenario.Broker.class, Scenario.Gateway.class, Scenario.Commands.class, Scenario.Partition.class, Scenario.Restart.class,
                Scenario.LoadChange.class, Scenario.Variant.class, Scenario.Claim.class)) {
            for (String key : keys(type)) {
                if (!template.matches("(?s).*[\\s{,#-]" + java.util.regex.Pattern.quote(key) + ":.*")) missing.add(type.getSimpleName() + "." + key);
            }
        }
        assertThat(missing).as("keys of the model the template of storyloop new does not list").isEmpty();
    }

    /** The YAML keys of a scenario type: its creator's parameters, or its record components. */
    private static List<String> keys(Class<?> type) {
        List<String> keys = new ArrayList<>();
        for (Constructor<?> c : type.getDeclaredConstructors()) {
            for (Parameter p : c.getParameters()) {
                JsonProperty property = p.getAnnotation(JsonProperty.class);
                if (property != null && !keys.contains(property.value())) keys.add(property.value());
            }
        }
        if (keys.isEmpty() && type.isRecord()) {
            for (RecordComponent rc : type.getRecordComponents()) {
                JsonProperty property = rc.getAnnotation(JsonProperty.class);
                if (property != null) keys.add(property.value());
            }
        }
        return keys;
    }
}
