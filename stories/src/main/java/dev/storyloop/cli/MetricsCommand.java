package dev.storyloop.cli;

import dev.storyloop.stories.catalog.CatalogText;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.concurrent.Callable;

/** {@code storyloop metrics}: every metric a story can claim or plot, with its meaning and the worlds that produce it. */
@Command(name = "metrics", mixinStandardHelpOptions = true,
        description = "Lists every metric a claim can name and every series a story can plot: kind, unit, worlds, meaning.")
final class MetricsCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--json", description = "As JSON (metrics, series, and the gateway's JSON and Prometheus names).")
    boolean json;

    @Option(names = "--markdown", description = "As stories/METRICS.md.")
    boolean markdown;

    @Override
    public Integer call() {
        if (json && markdown) throw new CommandLine.ParameterException(spec.commandLine(), "choose --json or --markdown");
        spec.commandLine().getOut().print(json ? CatalogText.json() : markdown ? CatalogText.markdown() : CatalogText.table());
        spec.commandLine().getOut().flush();
        return 0;
    }
}
