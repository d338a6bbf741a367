package dev.storyloop.stories;

import dev.storyloop.stories.catalog.Metric;
import dev.storyloop.stories.catalog.MetricCatalog;
import dev.storyloop.stories.run.ClaimResult;
import dev.storyloop.stories.run.RunResult;
import dev.storyloop.stories.run.StoryRunner;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every story's claims hold in the simulated world (or are refuted where the story says so), the
 * numbers its prose links to the results match the run, the same seed gives the same digest twice,
 * and the committed results are the ones a fresh run writes (they never go stale). Then, over every
 * story's runs: the simulated runner produces exactly the metrics and series the catalog declares
 * for the simulated world.
 */
class StoriesTest {
    private final Set<String> producedMetrics = new TreeSet<>();
    private final Set<String> producedSeries = new TreeSet<>();

    @TestFactory
    List<DynamicTest> everyStoryHoldsIsDeterministicAndItsResultsAreCurrent() throws Exception {
        List<Path> stories = StoryRunner.stories(Path.of("."));
        assertThat(stories).as("story folders next to this module's pom").isNotEmpty();
        List<DynamicTest> tests = new ArrayList<>(stories.stream().map(dir -> DynamicTest.dynamicTest(dir.getFileName().toString(), () -> {
            StoryRunner.StoryResult first = StoryRunner.run(dir, null);
            StoryRunner.StoryResult second = StoryRunner.run(dir, null);
            String failing = first.claims().stream().filter(c -> !c.passes())
                    .map(c -> c.claim().id() + ": " + c.claim().describe() + " measured " + c.measured() + " (" + c.verdict() + ")")
                    .collect(Collectors.joining("; "));
            assertThat(first.claims()).as("claims that disagree with the story: " + failing).allMatch(ClaimResult::passes);
            assertThat(first.prose().problems()).as("numbers in story.md that do not match the run").isEmpty();
            assertThat(second.digest()).as("the same seed twice").isEqualTo(first.digest());
            Path summary = dir.resolve("results/summary.md");
            assertThat(summary).as("results are committed; make them with ./storyloop run " + dir).exists();
            assertThat(Files.readString(summary)).as("committed results are stale: run ./storyloop run stories/" + dir.getFileName())
                    .contains("Trace digest: `" + first.digest() + "`");
            for (String plot : StoryRunner.plots(first.scenario())) assertThat(dir.resolve("results").resolve(StoryRunner.plotFile(plot))).exists();
            for (String plot : new String[] {"latency.svg", "memory.svg"}) assertThat(dir.resolve("results").resolve(plot)).exists();
            for (RunResult run : first.runs()) {
                producedMetrics.addAll(run.metrics().keySet());
                for (RunResult.Sample sample : run.series()) producedSeries.addAll(sample.values().keySet());
            }
        })).toList());
        tests.add(DynamicTest.dynamicTest("the simulated runner produces exactly the catalog's simulated metrics and series", () -> {
            Set<String> declared = MetricCatalog.all().stream().filter(m -> m.in(Metric.World.SIMULATED)).map(Metric::name)
                    .collect(Collectors.toCollection(TreeSet::new));
            Set<String> undeclared = new TreeSet<>(producedMetrics);
            undeclared.removeIf(name -> MetricCatalog.find(name).filter(m -> m.in(Metric.World.SIMULATED)).isPresent());
            assertThat(undeclared).as("metrics the simulated runner produces that the catalog does not declare for it").isEmpty();
            declared.removeAll(producedMetrics);
            assertThat(declared).as("metrics the catalog declares for the simulated world that no story's run produced").isEmpty();
            Set<String> series = MetricCatalog.series().stream().filter(s -> s.in(Metric.World.SIMULATED)).map(MetricCatalog.Series::name)
                    .collect(Collectors.toCollection(TreeSet::new));
            assertThat(producedSeries).as("per-second series, simulated").isEqualTo(series);
        }));
        return tests;
    }
}
