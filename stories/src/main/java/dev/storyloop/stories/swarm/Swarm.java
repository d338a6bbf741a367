package dev.storyloop.stories.swarm;

import dev.storyloop.stories.run.RunResult;
import dev.storyloop.stories.run.SimRunner;
import dev.storyloop.stories.scenario.Scenario;
import dev.storyloop.stories.scenario.ScenarioFile;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Swarm testing, as TigerBeetle's VOPR and FoundationDB's simulation do it: a seed draws a whole
 * world (fleet size, firmware options, link latency, loss and bandwidth, partitions, broker limits
 * and restarts, gateway stops and slowdowns), the simulated runner runs it, and invariants are
 * checked on what it measured. The world has three phases: faults (every fault starts and ends in
 * it; then the network heals), quiet (devices keep sampling), and drain (sampling slows, so a
 * reading after the last drop shows every gap at the gateway, then stops; every queue must empty,
 * the broker must hold nothing, and every device and the gateway must be connected).
 *
 * <p>The drawn world is a scenario file, so a failing seed can be printed, read and kept as a
 * story. Nothing here reads a clock: the same seed gives the same world, metrics and digest.
 */
public final class Swarm {
    /** Sampling period in the first half of the drain phase: slow enough that no queue can fill. */
    static final String SLOW_PERIOD = "3s";
    /** Sampling period in the second half: in effect, sampling stops. */
    static final String DRAIN_PERIOD = "1h";

    private Swarm() {}

    /** A drawn world: its parameters, its scenario text, and what it holds, in one line. */
    public record World(long seed, Params params, String yaml, Scenario scenario, String summary) {}

    /** One seed's outcome: the invariants that failed (none: it passed), the metrics, the digest. */
    public record Verdict(World world, List<Invariants.Violation> violations, Map<String, Object> metrics, String digest) {
        public boolean passed() {
            return violations.isEmpty();
        }

        /** Whether invariant {@code id} is among those that failed. */
        public boolean fails(String id) {
            return violations.stream().anyMatch(v -> v.id().equals(id));
        }
    }

    /** A window of simulated time inside the fault phase, in whole seconds. */
    public record Window(int atSeconds, int lengthSeconds) {
        public int endSeconds() {
            return atSeconds + lengthSeconds;
        }
    }

    /**
     * Everything a seed draws, as values: the shrinker changes these and renders the world again.
     * {@code commandsEverySeconds} is 0 when the gateway sends no commands; {@code planted} holds
     * firmware lines added to every device (comma-separated), never changed by shrinking.
     */
    public record Params(long seed, int devices, int periodMs, int qos, int capacity, int window, String policy, int keepaliveSeconds,
                         int backoffBaseMs, int backoffCapMs, boolean jitter, int latencyMs, int jitterMs, double loss, int bandwidth,
                         int faultSeconds, List<Window> partitions, int maxInflight, int maxQueued, List<Window> restarts, boolean flowControl,
                         int costUs, int commandsEverySeconds, List<Window> gatewayStops, String planted) {
        public Params {
            partitions = List.copyOf(partitions);
            restarts = List.copyOf(restarts);
            gatewayStops = List.copyOf(gatewayStops);
        }

        /** The simulated seconds of quiet after the faults: the longest backoff, a keepalive lapse, and time for queues to empty. */
        int quietSeconds() {
            return backoffCapMs / 1000 + 3 * keepaliveSeconds + 15;
        }

        int durationSeconds() {
            return faultSeconds + 2 * quietSeconds();
        }

        /** The faults, in words, for the one-line summary. */
        List<String> faults() {
            List<String> faults = new ArrayList<>();
            if (loss > 0) faults.add(String.format(Locale.ROOT, "loss %.1f%%", loss * 100));
            if (bandwidth > 0) faults.add("bandwidth " + bandwidth + " B/s");
            for (Window p : partitions) faults.add("partition " + p.lengthSeconds() + " s");
            for (Window p : restarts) faults.add("broker restart " + p.lengthSeconds() + " s");
            if (commandsEverySeconds > 0) faults.add("a blink command every " + commandsEverySeconds + " s");
            if (costUs > 0) faults.add("gateway " + costUs + " us/frame");
            for (Window p : gatewayStops) faults.add("gateway stop " + p.lengthSeconds() + " s");
            return faults;
        }

        /** How many faults the world holds: partitions, broker restarts, gateway stops, loss, a bandwidth limit, commands, a slow gateway. */
        public int faultCount() {
            return faults().size();
        }
    }

    /** Draws the world of {@code seed}. */
    public static World draw(long seed) {
        return draw(seed, "");
    }

    /**
     * Draws the world of {@code seed} with {@code plantedFirmware} (scenario lines such as
     * {@code "loop: select-loses-reading"}, comma-separated) added to every device's firmware: how
     * the tests show that the invariants catch a planted bug.
     */
    public static World draw(long seed, String plantedFirmware) {
        // The order of the draws is the world's identity: a new draw goes last, or every seed's world changes.
        SplittableRandom r = new SplittableRandom(seed);
        int devices = 1 + r.nextInt(6);
        int periodMs = new int[] {100, 200, 500, 1000}[r.nextInt(4)];
        int qos = r.nextInt(10) < 7 ? 1 : 0;
        int capacity = 4 + r.nextInt(61);
        int window = 1 + r.nextInt(8);
        String policy = pick(r, "block", "drop-oldest", "drop-newest");
        int keepalive = 2 + r.nextInt(9);
        int backoffBaseMs = 100 + r.nextInt(1901);
        int backoffCapMs = backoffBaseMs + r.nextInt(28_001);
        boolean jitter = r.nextBoolean();
        int latencyMs = r.nextInt(51);
        int jitterMs = r.nextInt(11);
        double loss = r.nextInt(4) == 0 ? 0 : r.nextInt(301) / 1000.0;
        int bandwidth = r.nextInt(3) == 0 ? 2_000 + r.nextInt(98_001) : 0;
        int faultSeconds = 20 + r.nextInt(41);
        List<Window> partitions = new ArrayList<>();
        int partitionCount = r.nextInt(3);
        for (int i = 0; i < partitionCount; i++) partitions.add(within(r, 0, faultSeconds, 15));
        int maxInflight = r.nextInt(4) == 0 ? 0 : 1 + r.nextInt(20);
        int maxQueued = r.nextInt(4) == 0 ? 0 : 10 + r.nextInt(991);
        List<Window> restarts = new ArrayList<>();
        int restartCount = r.nextInt(10) < 6 ? 0 : 1 + r.nextInt(2);
        for (int i = 0; i < restartCount; i++) { // one per half of the fault phase: restarts never overlap
            restarts.add(within(r, i * faultSeconds / 2, (i + 1) * faultSeconds / 2, 10));
        }
        boolean flow = r.nextBoolean();
        int costUs = r.nextInt(3) == 0 ? 10 + r.nextInt(1991) : 0;
        int commandsEvery = r.nextBoolean() ? 1 + r.nextInt(10) : 0;
        List<Window> stops = new ArrayList<>();
        if (r.nextInt(4) == 0) stops.add(within(r, 0, faultSeconds, 10));
        return world(new Params(seed, devices, periodMs, qos, capacity, window, policy, keepalive, backoffBaseMs, backoffCapMs, jitter,
                latencyMs, jitterMs, loss, bandwidth, faultSeconds, partitions, maxInflight, maxQueued, restarts, flow, costUs, commandsEvery,
                stops, plantedFirmware));
    }

    /** The world {@code p} describes: its scenario text (with the invariants as claims), parsed, and its summary. */
    public static World world(Params p) {
        StringBuilder y = new StringBuilder();
        y.append("title: swarm seed ").append(p.seed()).append('\n');
        y.append("seed: ").append(p.seed()).append('\n');
        // quiet: long enough for the longest backoff, a keepalive lapse and the queues to empty; drain likewise
        int quietSeconds = p.quietSeconds();
        y.append("duration: ").append(p.durationSeconds()).append("s\n");
        y.append("devices:\n  count: ").append(p.devices()).append("\n  id: swarm-{n}\n  firmware:\n");
        y.append("    period: ").append(p.periodMs()).append("ms\n");
        y.append("    qos: ").append(p.qos()).append('\n');
        y.append("    capacity: ").append(p.capacity()).append('\n');
        y.append("    window: ").append(p.window()).append('\n');
        y.append("    policy: ").append(p.policy()).append('\n');
        y.append("    keepalive: ").append(p.keepaliveSeconds()).append("s\n");
        y.append("    backoff-base: ").append(p.backoffBaseMs()).append("ms\n");
        y.append("    backoff-cap: ").append(p.backoffCapMs()).append("ms\n");
        y.append("    jitter: ").append(p.jitter()).append('\n');
        for (String line : p.planted().split(",")) if (!line.isBlank()) y.append("    ").append(line.strip()).append('\n');
        y.append("network:\n  latency: ").append(p.latencyMs()).append("ms\n  jitter: ").append(p.jitterMs()).append("ms\n");
        y.append("  loss: ").append(String.format(Locale.ROOT, "%.3f", p.loss())).append('\n');
        y.append("  bandwidth: ").append(p.bandwidth()).append('\n');
        y.append("  heals-at: ").append(p.faultSeconds()).append("s\n");
        y.append("  partitions:\n");
        for (Window w : p.partitions()) y.append("    - {at: ").append(w.atSeconds()).append("s, for: ").append(w.lengthSeconds()).append("s}\n");
        y.append("broker:\n  max-inflight: ").append(p.maxInflight()).append("\n  max-queued: ").append(p.maxQueued()).append("\n  restarts:\n");
        for (Window w : p.restarts()) y.append("    - {at: ").append(w.atSeconds()).append("s, down: ").append(w.lengthSeconds()).append("s}\n");
        y.append("gateway:\n  lan: true\n  flow-control: ").append(p.flowControl()).append("\n  cost-per-frame: ").append(p.costUs()).append("us\n");
        if (p.commandsEverySeconds() > 0) {
            y.append("  commands: {every: ").append(p.commandsEverySeconds()).append("s, command: blink, argument: 1}\n");
        }
        y.append("  stops:\n");
        for (Window w : p.gatewayStops()) y.append("    - {at: ").append(w.atSeconds()).append("s, for: ").append(w.lengthSeconds()).append("s}\n");
        // A reading dropped at the end of the quiet phase shows as a gap only when a later one arrives, so sampling
        // first slows (the queues empty, a few readings still go out) and then stops.
        y.append("load:\n  - {at: ").append(p.faultSeconds() + quietSeconds).append("s, period: ").append(SLOW_PERIOD).append("}\n");
        y.append("  - {at: ").append(p.faultSeconds() + quietSeconds + quietSeconds / 2).append("s, period: ").append(DRAIN_PERIOD).append("}\n");
        y.append("expect:\n").append(Invariants.claimsYaml(p.devices()));

        String yaml = y.toString();
        Scenario scenario;
        try {
            scenario = ScenarioFile.parse("swarm seed " + p.seed(), yaml);
        } catch (ScenarioFile.Invalid e) {
            throw new IllegalStateException("the swarm drew a scenario its own reader refuses: " + e.getMessage() + "\n" + yaml, e);
        }
        List<String> faults = p.faults();
        String summary = String.format(Locale.ROOT, "%d device(s) every %d ms, QoS %d, %s, queue %d, window %d; %ds of faults: %s%s",
                p.devices(), p.periodMs(), p.qos(), p.policy(), p.capacity(), p.window(), p.faultSeconds(),
                faults.isEmpty() ? "none" : String.join(", ", faults), p.planted().isBlank() ? "" : "; planted: " + p.planted());
        return new World(p.seed(), p, yaml, scenario, summary);
    }

    /** Draws and runs the world of {@code seed} and checks every invariant; never throws for what the world does. */
    public static Verdict check(long seed) {
        return check(draw(seed));
    }

    /** Runs {@code world} twice side by side and compares the runs event by event ({@link DeterminismCheck}). */
    public static DeterminismCheck.Outcome checkDeterminism(World world) throws InterruptedException {
        return DeterminismCheck.check((sink, progress) -> {
            Verdict verdict = check(world, sink, progress);
            return new DeterminismCheck.Ran(verdict.digest(), verdict.metrics());
        });
    }

    public static Verdict check(World world) {
        return check(world, null, SimRunner.Progress.NONE);
    }

    /** As {@link #check(World)}, writing the run's trace lines to {@code traceSink} (null: none) and its seconds to {@code progress}. */
    public static Verdict check(World world, Appendable traceSink, SimRunner.Progress progress) {
        long seed = world.seed();
        Scenario.Variant variant = world.scenario().variants().get(0);
        RunResult run;
        try {
            run = SimRunner.run(world.scenario(), variant, seed, progress, traceSink);
        } catch (RuntimeException | AssertionError e) {
            if (e instanceof DeterminismCheck.Stopped) throw e;
            return new Verdict(world, List.of(new Invariants.Violation(Invariants.NO_EXCEPTION, "an exception escaped the world: " + e)),
                    Map.of(), "");
        }
        return new Verdict(world, Invariants.check(world.scenario(), run.metrics()), run.metrics(), run.digest());
    }

    @SafeVarargs
    private static <T> T pick(SplittableRandom r, T... choices) {
        return choices[r.nextInt(choices.length)];
    }

    /** A window of 1..maxLength seconds that starts after second {@code from} and ends before second {@code to}. */
    private static Window within(SplittableRandom r, int from, int to, int maxLength) {
        int span = to - from;
        int length = 1 + r.nextInt(Math.min(maxLength, span - 2));
        int at = from + 1 + r.nextInt(span - length - 1);
        return new Window(at, length);
    }
}
