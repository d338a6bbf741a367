package dev.storyloop.stories.catalog;

import dev.storyloop.gateway.core.GatewayMetric;

import java.util.Set;

/**
 * One metric a story can claim or plot, as the catalog declares it: its name (as a claim writes it
 * after {@code VARIANT.}), unit, kind, one-line meaning, the worlds whose runners produce it, how
 * it is aggregated over the fleet's devices, and, for a gateway counter, the gateway's own names.
 *
 * @param gateway the gateway's declaration of the same counter (its JSON and Prometheus names), or null
 */
public record Metric(String name, String unit, Kind kind, String meaning, Set<World> worlds, String aggregate, GatewayMetric gateway) {

    /** What a metric's value is, which decides the claims that make sense on it. */
    public enum Kind {
        COUNT("count", true), GAUGE("gauge", true), PEAK("peak", true), RATIO("ratio", true), DURATION("duration", true),
        FLAG("flag", true), NAME("name", false), SET("set", false), TEXT("text", false);

        private final String label;
        private final boolean numeric;

        Kind(String label, boolean numeric) {
            this.label = label;
            this.numeric = numeric;
        }

        public String label() {
            return label;
        }

        /** Whether the value is a number (compared with {@code < <= > >=}); otherwise a text ({@code == != contains}). */
        public boolean numeric() {
            return numeric;
        }
    }

    /** Where a story runs: the deterministic simulated world, or live (Paho devices, a real broker, the Vert.x gateway). */
    public enum World {
        SIMULATED("simulated"), LIVE("live");

        private final String label;

        World(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
    }

    public Metric {
        if (worlds.isEmpty()) throw new IllegalArgumentException(name + ": a metric no world produces");
        worlds = Set.copyOf(worlds);
    }

    public boolean in(World world) {
        return worlds.contains(world);
    }

    /** The worlds as text: "simulated, live", "simulated", "live". */
    public String worldsText() {
        return in(World.SIMULATED) && in(World.LIVE) ? "simulated, live" : in(World.SIMULATED) ? "simulated" : "live";
    }
}
