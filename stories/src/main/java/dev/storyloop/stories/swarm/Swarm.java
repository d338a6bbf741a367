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

    /** A drawn world: its scenario text and what it holds, in one line. */
    public record World(long seed, String yaml, Scenario scenario, String summary) {}

    /** One seed's outcome: the invariants that failed (none: it passed), the metrics, the digest. */
    public record Verdict(World world, List<String> violations, Map<String, Object> metrics, String digest) {
        public boolean passed() {
            return violations.isEmpty();
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

        StringBuilder y = new StringBuilder();
        List<String> faults = new ArrayList<>();
        y.append("title: swarm seed ").append(seed).append('\n');
        y.append("seed: ").append(seed).append('\n');
        // quiet: long enough for the longest backoff, a keepalive lapse and the queues to empty; drain likewise
        int quietSeconds = backoffCapMs / 1000 + 3 * keepalive + 15;
        int drainSeconds = backoffCapMs / 1000 + 3 * keepalive + 15;
        y.append("duration: ").append(faultSeconds + quietSeconds + drainSeconds).append("s\n");
        y.append("devices:\n  count: ").append(devices).append("\n  id: swarm-{n}\n  firmware:\n");
        y.append("    period: ").append(periodMs).append("ms\n");
        y.append("    qos: ").append(qos).append('\n');
        y.append("    capacity: ").append(capacity).append('\n');
        y.append("    window: ").append(window).append('\n');
        y.append("    policy: ").append(policy).append('\n');
        y.append("    keepalive: ").append(keepalive).append("s\n");
        y.append("    backoff-base: ").append(backoffBaseMs).append("ms\n");
        y.append("    backoff-cap: ").append(backoffCapMs).append("ms\n");
        y.append("    jitter: ").append(jitter).append('\n');
        for (String line : plantedFirmware.split(",")) if (!line.isBlank()) y.append("    ").append(line.strip()).append('\n');
        y.append("network:\n  latency: ").append(latencyMs).append("ms\n  jitter: ").append(jitterMs).append("ms\n");
        y.append("  loss: ").append(String.format(Locale.ROOT, "%.3f", loss)).append('\n');
        y.append("  bandwidth: ").append(bandwidth).append('\n');
        y.append("  heals-at: ").append(faultSeconds).append("s\n");
        if (loss > 0) faults.add(String.format(Locale.ROOT, "loss %.1f%%", loss * 100));
        if (bandwidth > 0) faults.add("bandwidth " + bandwidth + " B/s");
        y.append("  partitions:\n");
        int partitions = r.nextInt(3);
        for (int i = 0; i < partitions; i++) {
            int[] window2 = within(r, 0, faultSeconds, 15);
            y.append("    - {at: ").append(window2[0]).append("s, for: ").append(window2[1]).append("s}\n");
            faults.add("partition " + window2[1] + " s");
        }
        int maxInflight = r.nextInt(4) == 0 ? 0 : 1 + r.nextInt(20);
        int maxQueued = r.nextInt(4) == 0 ? 0 : 10 + r.nextInt(991);
        y.append("broker:\n  max-inflight: ").append(maxInflight).append("\n  max-queued: ").append(maxQueued).append("\n  restarts:\n");
        int restarts = r.nextInt(10) < 6 ? 0 : 1 + r.nextInt(2);
        for (int i = 0; i < restarts; i++) { // one per half of the fault phase: restarts never overlap
            int[] down = within(r, i * faultSeconds / 2, (i + 1) * faultSeconds / 2, 10);
            y.append("    - {at: ").append(down[0]).append("s, down: ").append(down[1]).append("s}\n");
            faults.add("broker restart " + down[1] + " s");
        }
        boolean flow = r.nextBoolean();
        int costUs = r.nextInt(3) == 0 ? 10 + r.nextInt(1991) : 0;
        y.append("gateway:\n  lan: true\n  flow-control: ").append(flow).append("\n  cost-per-frame: ").append(costUs).append("us\n");
        if (r.nextBoolean()) {
            int every = 1 + r.nextInt(10);
            y.append("  commands: {every: ").append(every).append("s, command: blink, argument: 1}\n");
            faults.add("a blink command every " + every + " s");
        }
        y.append("  stops:\n");
        if (costUs > 0) faults.add("gateway " + costUs + " us/frame");
        if (r.nextInt(4) == 0) {
            int[] stop = within(r, 0, faultSeconds, 10);
            y.append("    - {at: ").append(stop[0]).append("s, for: ").append(stop[1]).append("s}\n");
            faults.add("gateway stop " + stop[1] + " s");
        }
        // A reading dropped at the end of the quiet phase shows as a gap only when a later one arrives, so sampling
        // first slows (the queues empty, a few readings still go out) and then stops.
        y.append("load:\n  - {at: ").append(faultSeconds + quietSeconds).append("s, period: ").append(SLOW_PERIOD).append("}\n");
        y.append("  - {at: ").append(faultSeconds + quietSeconds + drainSeconds / 2).append("s, period: ").append(DRAIN_PERIOD).append("}\n");
        y.append("expect:\n  - {id: invariants, claim: \"checked by the swarm's invariants\", metric: run.boot_failed, op: \"==\", value: 0}\n");

        String yaml = y.toString();
        Scenario scenario;
        try {
            scenario = ScenarioFile.parse("swarm seed " + seed, yaml);
        } catch (ScenarioFile.Invalid e) {
            throw new IllegalStateException("the swarm drew a scenario its own reader refuses: " + e.getMessage() + "\n" + yaml, e);
        }
        String summary = String.format(Locale.ROOT, "%d device(s) every %d ms, QoS %d, %s, queue %d, window %d; %ds of faults: %s%s",
                devices, periodMs, qos, policy, capacity, window, faultSeconds, faults.isEmpty() ? "none" : String.join(", ", faults),
                plantedFirmware.isBlank() ? "" : "; planted: " + plantedFirmware);
        return new World(seed, yaml, scenario, summary);
    }

    /** Draws and runs the world of {@code seed} and checks every invariant; never throws for what the world does. */
    public static Verdict check(long seed) {
        return check(draw(seed));
    }

    public static Verdict check(World world) {
        long seed = world.seed();
        Scenario.Variant variant = world.scenario().variants().get(0);
        RunResult run;
        try {
            run = SimRunner.run(world.scenario(), variant, seed);
        } catch (RuntimeException | AssertionError e) {
            return new Verdict(world, List.of("an exception escaped the world: " + e), Map.of(), "");
        }
        return new Verdict(world, Invariants.check(world.scenario(), run.metrics()), run.metrics(), run.digest());
    }

    @SafeVarargs
    private static <T> T pick(SplittableRandom r, T... choices) {
        return choices[r.nextInt(choices.length)];
    }

    /** A window of 1..maxLength seconds that starts after second {@code from} and ends before second {@code to}. */
    private static int[] within(SplittableRandom r, int from, int to, int maxLength) {
        int span = to - from;
        int length = 1 + r.nextInt(Math.min(maxLength, span - 2));
        int at = from + 1 + r.nextInt(span - length - 1);
        return new int[] {at, length};
    }
}
