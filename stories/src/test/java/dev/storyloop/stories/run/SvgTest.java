package dev.storyloop.stories.run;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class SvgTest {

    @Test
    void shouldTellVariantsApartByDashAndListOnlyTheLinesDrawn() {
        double[] x = {1, 2, 3};
        String svg = Svg.lineChart("t", "s", "frames", List.of(new Svg.Series("first", x, new double[] {16910, 2, 3}),
                new Svg.Series("second", x, new double[] {1, 2, 3}), new Svg.Series("empty", new double[0], new double[0])));
        assertThat(svg).contains(">first<", ">second<").doesNotContain(">empty<");
        assertThat(svg.split("<polyline", -1)).hasSize(3);
        assertThat(svg).contains("stroke-dasharray=\"8 4\"");
        assertThat(svg).contains(">20,000<").doesNotContain("e+0");
    }
}
