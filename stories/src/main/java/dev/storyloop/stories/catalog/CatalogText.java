package dev.storyloop.stories.catalog;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.storyloop.gateway.core.GatewayMetric;

import java.util.Locale;

/** The catalog as a terminal table, as JSON, and as {@code stories/METRICS.md}. */
public final class CatalogText {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private CatalogText() {}

    /** One line per metric: name, kind, unit, worlds, meaning; then the per-second series. */
    public static String table() {
        int width = 10;
        for (Metric m : MetricCatalog.all()) width = Math.max(width, m.name().length());
        String row = "%-" + width + "s  %-8s  %-10s  %-15s  %s%n";
        StringBuilder out = new StringBuilder(String.format(Locale.ROOT, row, "metric", "kind", "unit", "worlds", "meaning"));
        for (Metric m : MetricCatalog.all()) {
            out.append(String.format(Locale.ROOT, row, m.name(), m.kind().label(), m.unit(), m.worldsText(), m.meaning()));
        }
        out.append(String.format(Locale.ROOT, "%nper-second series (plots:)%n"));
        for (MetricCatalog.Series s : MetricCatalog.series()) {
            out.append(String.format(Locale.ROOT, row, s.name(), "series", s.unit(), worlds(s), s.meaning()));
        }
        return out.toString();
    }

    public static String json() {
        ObjectNode root = JSON.createObjectNode();
        ArrayNode metrics = root.putArray("metrics");
        for (Metric m : MetricCatalog.all()) {
            ObjectNode o = metrics.addObject().put("name", m.name()).put("kind", m.kind().label()).put("unit", m.unit())
                    .put("meaning", m.meaning()).put("aggregate", m.aggregate());
            ArrayNode worlds = o.putArray("worlds");
            for (Metric.World w : Metric.World.values()) if (m.in(w)) worlds.add(w.label());
            if (m.gateway() != null) gateway(o.putObject("gateway"), m.gateway());
        }
        ArrayNode series = root.putArray("series");
        for (MetricCatalog.Series s : MetricCatalog.series()) {
            ObjectNode o = series.addObject().put("name", s.name()).put("unit", s.unit()).put("title", s.title()).put("meaning", s.meaning());
            ArrayNode worlds = o.putArray("worlds");
            for (Metric.World w : Metric.World.values()) if (s.in(w)) worlds.add(w.label());
        }
        ArrayNode gateway = root.putArray("gateway");
        for (GatewayMetric g : GatewayMetric.values()) gateway(gateway.addObject(), g);
        try {
            return JSON.writeValueAsString(root) + "\n";
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("the catalog is plain data and always serialises", e);
        }
    }

    private static void gateway(ObjectNode o, GatewayMetric g) {
        o.put("json", g.json()).put("meter", g.meter()).put("prometheus", g.prometheus()).put("unit", g.unit()).put("meaning", g.meaning());
    }

    /** The text of {@code stories/METRICS.md}; a test keeps the committed file equal to it. */
    public static String markdown() {
        StringBuilder md = new StringBuilder();
        md.append("# Story metrics\n\n")
                .append("Generated from the metric catalog (`MetricCatalog`) by `./storyloop metrics --markdown > stories/METRICS.md`; a test fails\n")
                .append("when this file and the catalog differ, when a runner produces a metric not listed here, or when a metric listed for a\n")
                .append("world is not produced there. A claim names a metric as `VARIANT.metric`; a claim on a metric that does not exist, or\n")
                .append("that the chosen world (simulated, or `--live`) does not produce, is refused before the run. How to write claims:\n")
                .append("[README.md](README.md).\n\n")
                .append("Kinds: a **count** only grows during a run; a **gauge** is the value at the end; a **peak** is the most at any\n")
                .append("time; a **ratio** is a share between 0 and 1, and *no data* when its denominator is empty (a claim on it then\n")
                .append("fails, saying so); a **flag** is 0 or 1; a **name** is one text, a **set** is a sorted, comma-separated list of\n")
                .append("names (compare with `==` or `contains`); a **duration** is in the unit given.\n\n");
        md.append("## Metrics\n\n| metric | kind | unit | worlds | over devices | meaning |\n|---|---|---|---|---|---|\n");
        for (Metric m : MetricCatalog.all()) {
            md.append("| `").append(m.name()).append("` | ").append(m.kind().label()).append(" | ").append(m.unit()).append(" | ")
                    .append(m.worldsText()).append(" | ").append(m.aggregate()).append(" | ").append(cell(m.meaning()));
            if (m.gateway() != null) md.append(gatewayNames(m.gateway()));
            md.append(" |\n");
        }
        md.append("\n## Per-second series (`plots:`)\n\nA scenario's `plots:` lists any of these; each becomes one chart in `results/`, one line per\n")
                .append("variant (told apart by colour and dash pattern). Without `plots:` a story gets `")
                .append(String.join("`, `", MetricCatalog.DEFAULT_PLOTS)).append("`.\n\n| series | unit | worlds | meaning |\n|---|---|---|---|\n");
        for (MetricCatalog.Series s : MetricCatalog.series()) {
            md.append("| `").append(s.name()).append("` | ").append(s.unit()).append(" | ").append(worlds(s)).append(" | ").append(cell(s.meaning())).append(" |\n");
        }
        md.append("\n## The gateway's own names\n\nThe gateway declares its metrics once (`GatewayMetric`): the key in its stats JSON\n")
                .append("(`/api/stats`), the Micrometer meter and the name Prometheus scrapes (`/metrics`). Story metrics that read a gateway\n")
                .append("counter name it above.\n\n| stats JSON | Prometheus | unit | meaning |\n|---|---|---|---|\n");
        for (GatewayMetric g : GatewayMetric.values()) {
            md.append("| ").append(g.json() == null ? "–" : "`" + g.json() + "`").append(" | ")
                    .append(g.prometheus() == null ? "–" : "`" + g.prometheus() + "`").append(" | ").append(g.unit()).append(" | ")
                    .append(cell(g.meaning())).append(" |\n");
        }
        return md.toString();
    }

    private static String gatewayNames(GatewayMetric g) {
        StringBuilder s = new StringBuilder(" (gateway: ");
        if (g.json() != null) s.append("JSON `").append(g.json()).append("`");
        if (g.json() != null && g.prometheus() != null) s.append(", ");
        if (g.prometheus() != null) s.append("Prometheus `").append(g.prometheus()).append("`");
        return s.append(")").toString();
    }

    private static String worlds(MetricCatalog.Series s) {
        return s.in(Metric.World.SIMULATED) && s.in(Metric.World.LIVE) ? "simulated, live" : s.in(Metric.World.SIMULATED) ? "simulated" : "live";
    }

    private static String cell(String text) {
        return text.replace("|", "\\|");
    }
}
