package dev.storyloop.stories.run;

import java.util.List;
import java.util.Locale;

/**
 * Line charts as SVG text: axes with ticks and units in human numbers, a title, one line per series
 * told apart by colour and by dash pattern (so overlapping lines stay visible, also in grey print),
 * and a legend listing only the lines drawn.
 */
final class Svg {
    private static final String[] COLOURS = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd"};
    /** Dash patterns, one per series; the widths differ too, so a line drawn over another leaves it visible. */
    private static final String[] DASHES = {"", "8 4", "2 3", "12 3 2 3", "4 4"};
    private static final int WIDTH = 720, HEIGHT = 360, LEFT = 70, RIGHT = 20, TOP = 40, BOTTOM = 50;

    /** One line: its name and (x, y) points. */
    record Series(String name, double[] x, double[] y) {}

    private Svg() {}

    static String lineChart(String title, String xLabel, String yLabel, List<Series> series) {
        series = series.stream().filter(s -> s.x().length > 0).toList(); // a variant without data is neither drawn nor listed
        double xMax = 1, yMax = 1;
        for (Series s : series) {
            for (double v : s.x()) xMax = Math.max(xMax, v);
            for (double v : s.y()) yMax = Math.max(yMax, v);
        }
        xMax = niceCeiling(xMax);
        yMax = niceCeiling(yMax);
        int plotW = WIDTH - LEFT - RIGHT, plotH = HEIGHT - TOP - BOTTOM;
        StringBuilder out = new StringBuilder();
        out.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"12\">%n",
                WIDTH, HEIGHT, WIDTH, HEIGHT));
        out.append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
        out.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"22\" font-size=\"15\" font-weight=\"bold\">%s</text>%n", LEFT, escape(title)));
        out.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"black\"/>%n", LEFT, TOP + plotH, LEFT + plotW, TOP + plotH));
        out.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"black\"/>%n", LEFT, TOP, LEFT, TOP + plotH));
        for (int i = 0; i <= 5; i++) {
            double xv = xMax * i / 5, yv = yMax * i / 5;
            double px = LEFT + plotW * i / 5.0, py = TOP + plotH - plotH * i / 5.0;
            out.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"black\"/><text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>%n",
                    px, TOP + plotH, px, TOP + plotH + 5, px, TOP + plotH + 18, number(xv)));
            out.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#ddd\"/><text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>%n",
                    LEFT, py, LEFT + plotW, py, LEFT - 6, py + 4, number(yv)));
        }
        out.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">%s</text>%n", LEFT + plotW / 2, HEIGHT - 10, escape(xLabel)));
        out.append(String.format(Locale.ROOT, "<text x=\"16\" y=\"%d\" text-anchor=\"middle\" transform=\"rotate(-90 16 %d)\">%s</text>%n",
                TOP + plotH / 2, TOP + plotH / 2, escape(yLabel)));
        for (int s = 0; s < series.size(); s++) {
            Series line = series.get(s);
            String colour = COLOURS[s % COLOURS.length];
            String dash = DASHES[s % DASHES.length];
            String dashAttribute = dash.isEmpty() ? "" : " stroke-dasharray=\"" + dash + "\"";
            double width = 3.5 - 0.5 * (s % DASHES.length);
            StringBuilder points = new StringBuilder();
            for (int i = 0; i < line.x().length; i++) {
                points.append(String.format(Locale.ROOT, "%.1f,%.1f ", LEFT + plotW * line.x()[i] / xMax, TOP + plotH - plotH * line.y()[i] / yMax));
            }
            out.append(String.format(Locale.ROOT, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"%.1f\"%s points=\"%s\"/>%n", colour, width,
                    dashAttribute, points.toString().trim()));
            int ly = TOP + 14 + 16 * s;
            out.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\" stroke-width=\"3\"%s/><text x=\"%d\" y=\"%d\">%s</text>%n",
                    LEFT + plotW - 170, ly - 4, LEFT + plotW - 134, ly - 4, colour, dashAttribute, LEFT + plotW - 128, ly, escape(line.name())));
        }
        out.append("</svg>\n");
        return out.toString();
    }

    /** One device's RAM as a horizontal bar: its reservations side by side, against the budget line. */
    record MemoryBar(String name, long ramBytes, List<String> regions, List<Long> bytes) {}

    private static final String[] REGION_COLOURS = {"#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1", "#ff9da7", "#9c755f"};

    static String memoryMap(String title, List<MemoryBar> bars) {
        long scale = 1;
        for (MemoryBar bar : bars) {
            long total = 0;
            for (long b : bar.bytes()) total += b;
            scale = Math.max(scale, Math.max(total, bar.ramBytes()));
        }
        int rowH = 44, height = TOP + rowH * Math.max(1, bars.size()) + 60;
        int left = 110;
        int plotW = WIDTH - left - RIGHT - 40;
        StringBuilder out = new StringBuilder();
        out.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"12\">%n",
                WIDTH, height, WIDTH, height));
        out.append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
        out.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"22\" font-size=\"15\" font-weight=\"bold\">%s</text>%n", left, escape(title)));
        List<String> legend = new java.util.ArrayList<>();
        for (int r = 0; r < bars.size(); r++) {
            MemoryBar bar = bars.get(r);
            int y = TOP + r * rowH;
            double x = left;
            out.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%s</text>%n", left - 6, y + 18, escape(bar.name())));
            for (int i = 0; i < bar.regions().size(); i++) {
                String region = bar.regions().get(i);
                if (!legend.contains(region)) legend.add(region);
                double w = plotW * (double) bar.bytes().get(i) / scale;
                out.append(String.format(Locale.ROOT, "<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"26\" fill=\"%s\"><title>%s: %d B</title></rect>%n",
                        x, y, w, REGION_COLOURS[legend.indexOf(region) % REGION_COLOURS.length], escape(region), bar.bytes().get(i)));
                x += w;
            }
            double budgetX = left + plotW * (double) bar.ramBytes() / scale;
            out.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"black\" stroke-width=\"2\" stroke-dasharray=\"4 2\"/>%n",
                    budgetX, y - 4, budgetX, y + 30));
            out.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\" font-size=\"10\">RAM %d KiB</text>%n",
                    budgetX, y + 42, bar.ramBytes() / 1024));
        }
        int ly = TOP + rowH * Math.max(1, bars.size()) + 20;
        for (int i = 0; i < legend.size(); i++) {
            int lx = left + (i % 4) * 150;
            int row = ly + (i / 4) * 16;
            out.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"10\" height=\"10\" fill=\"%s\"/><text x=\"%d\" y=\"%d\">%s</text>%n",
                    lx, row - 9, REGION_COLOURS[i % REGION_COLOURS.length], lx + 14, row, escape(legend.get(i))));
        }
        out.append("</svg>\n");
        return out.toString();
    }

    private static double niceCeiling(double value) {
        double magnitude = Math.pow(10, Math.floor(Math.log10(value)));
        for (double step : new double[] {1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10}) {
            if (step * magnitude >= value) return step * magnitude;
        }
        return 10 * magnitude;
    }

    private static String number(double v) {
        return Human.number(v);
    }

    private static String escape(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
