package dev.storyloop.cli;

import dev.storyloop.stories.catalog.Metric;
import dev.storyloop.stories.catalog.MetricCatalog;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code storyloop new <slug>}: a story folder with a commented scenario template and the story's FAQ headings. */
@Command(name = "new", mixinStandardHelpOptions = true, description = "Scaffolds a story folder: scenario.yaml (commented) and story.md.")
final class NewCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(paramLabel = "SLUG", description = "Folder name: lower-case words joined by -, e.g. the-timeout-that-dropped-a-reading.")
    String slug;

    @Mixin
    StoriesRootOption stories;

    @Override
    public Integer call() throws IOException {
        if (!slug.matches("[a-z0-9]+(-[a-z0-9]+){0,15}")) {
            throw new CommandLine.ParameterException(spec.commandLine(), "SLUG must be lower-case words joined by -, got '" + slug + "'");
        }
        Path root = stories.root;
        Path dir = root.resolve(slug);
        try {
            Files.createDirectories(root);
            Files.createDirectory(dir);
        } catch (FileAlreadyExistsException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), dir + " already exists");
        }
        String title = Character.toUpperCase(slug.charAt(0)) + slug.substring(1).replace('-', ' ');
        Files.writeString(dir.resolve("scenario.yaml"), template().replace("TITLE", title).replace("STORY_DIR", dir.toString()));
        Files.writeString(dir.resolve("story.md"), STORY.replace("TITLE", title));
        spec.commandLine().getOut().println("created " + dir + "/scenario.yaml and story.md; run: ./storyloop run " + dir);
        spec.commandLine().getOut().flush();
        return 0;
    }

    /**
     * The scenario template: every key of the scenario model (a test checks it against the model),
     * with its default, and the metric and series names generated from the catalog.
     */
    static String template() {
        StringBuilder metrics = new StringBuilder();
        StringBuilder line = new StringBuilder("#  ");
        for (Metric m : MetricCatalog.all()) {
            if (line.length() + m.name().length() > 116) {
                metrics.append(line.toString().stripTrailing()).append("\n");
                line = new StringBuilder("#  ");
            }
            line.append(m.name()).append(m.worldsText().equals("simulated, live") ? "" : " (" + m.worldsText() + " only)").append(", ");
        }
        metrics.append(line.substring(0, line.length() - 2)).append("\n");
        String series = String.join(", ", MetricCatalog.series().stream().map(MetricCatalog.Series::name).toList());
        return TEMPLATE.replace("METRICS\n", metrics.toString()).replace("SERIES", series);
    }

    static final String TEMPLATE = """
            # TITLE: the world of the story and the claims it makes. Run: ./storyloop run STORY_DIR
            # Every key below is optional except title, duration and expect; durations: 250ms, 1s, 2m; sizes: 512, 64KiB.
            # How to write claims, link numbers from story.md, refute, vary and plot: stories/README.md.
            title: TITLE
            summary: >
              One paragraph: who, what the device does, what goes wrong, what the variants change.
            seed: 1
            duration: 60s
            devices:
              count: 1                   # 1..100000
              id: pi-{n}
              firmware:
                period: 100ms            # sample period
                qos: 1                   # 0 or 1
                capacity: 64             # store-and-forward queue, frames
                policy: drop-oldest      # block | drop-oldest | drop-newest
                window: 8                # publishes awaiting PUBACK
                ram: 64KiB               # the device's RAM budget
                keepalive: 10s
                backoff-base: 500ms      # reconnect: exponential with full jitter
                backoff-cap: 30s
                jitter: true
                token-refresh: 10m
                token-lifetime: 15m
                hmac-fast: 2ms           # the C HMAC library, usually
                hmac-source-of-truth: 40ms
                source-of-truth-one-in: 8
                hmac-inline: false       # story switch: call HMAC on the loop thread
                refresh-loses-wake: false # story switch: the refresh future forgets its waker on one path
                loop: tasks              # tasks | select-loses-reading | select-keeps-reading
                request-signing: false   # answer gateway commands as signed requests, each in a task of its own
                request-slots: 8         # requests answered at once (with request-signing)
                request-timeout: 5s      # a request not answered by then is abandoned (with request-signing)
                hmac-budget-per-second: 10 # signatures per second from the cached key; beyond: the source of truth
                last-will: true          # false: the CONNECT carries no will, a silent death leaves the retained "online"
              power-cuts: []             # boards losing power (no DISCONNECT), e.g. [{device: 3, at: 20s, reboot-after: 30s}]
            network:
              latency: 2ms
              jitter: 0ms
              loss: 0.0                  # paid as retransmission delay, as TCP does
              bandwidth: 0               # bytes/s each way; 0: unlimited
              send-buffer: 64KiB
              partitions: []             # every device cut from the broker, e.g. [{at: 30s, for: 5s}]
              # heals-at: 60s            # from then on no loss, jitter or bandwidth limit
            broker:
              max-inflight: 20           # 0: no limit (as in Mosquitto)
              max-queued: 1000           # 0: no limit (as in Mosquitto), so nothing is ever dropped as queue-full
              restarts: []               # e.g. [{at: 20s, down: 3s}]
              keepalive-check: mosquitto # or spec: exactly 1.5 x keepalive (Mosquitto 2.0 checks in whole seconds every 6 s)
            gateway:
              flow-control: true
              cost-per-frame: 0us        # the gateway's time per frame; throughput cannot exceed 1 / cost
              stale-periods: 3
              stops: []                  # the gateway away, its session kept: e.g. [{at: 20s, for: 5s}]
              lan: false                 # true: the gateway sits next to the broker, not on the devices' network
              # commands: {every: 1s, command: blink, argument: 1}   # set-sample-period | set-overflow-policy | blink | reboot
            load: []                     # e.g. [{at: 30s, period: 10ms}]
            variants:                    # the same world again with any section changed: maps merge key by key, lists replace
              - name: run
                # firmware: {policy: block}        # shorthand for devices: {firmware: ...}
                # commands-every: 95ms             # shorthand for gateway: {commands: {every: ...}}
                # devices: {count: 10}
                # network: {partitions: [{at: 10s, for: 5s}]}
                # broker: {max-queued: 100}
                # gateway: {flow-control: false}
                # load: [{at: 30s, period: 10ms}]
            plots: [buffered, received, connects]   # per-second series, one chart each:
            # SERIES
            compare: []                  # metrics compared across variants in summary.md (default: those the claims name)
            expect:
              - id: nothing-lost         # [a-z0-9-]; story.md links it: results/summary.md#nothing-lost
                claim: "Nothing is lost"
                metric: run.device.unreceived   # readings sampled but never received: cannot see a device that sampled nothing
                op: "=="                 # == != < <= > >= contains (quote the op: YAML reads a bare > as a block)
                value: 0                 # or other: another.metric; tolerance: for ==
                # refuted: true          # the story says this does NOT hold; the run fails only if it holds
              - id: nobody-silent
                claim: "...and every device was heard from"
                metric: run.device.silent       # devices the gateway never received anything from (dead from boot, say)
                op: "=="
                value: 0
            # Metrics a claim can name as VARIANT.metric (./storyloop metrics tells what each means):
            METRICS
            """;

    static final String STORY = """
            # TITLE

            ## The story

            (Barbara, the embedded developer doing networking: what she built, what she saw, how she found out.
            Link each claim to its row, [claim](results/summary.md#nothing-lost); a link whose text is a number,
            e.g. [0 readings](results/summary.md#nothing-lost), is checked against the run. See stories/README.md.)

            ## Frequently Asked Questions

            ### What are the morals of the story?

            ### What are the sources for this story?

            ### Why did you choose Barbara to tell this story?

            ### How would this story have played out differently for the other characters?
            """;
}
