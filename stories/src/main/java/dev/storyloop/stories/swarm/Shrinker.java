package dev.storyloop.stories.swarm;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/**
 * Shrinks a failing swarm world to a smaller one that fails the same invariant, so the writer reads
 * one device and one fault instead of the six devices, two partitions and a broker restart the seed
 * drew.
 *
 * <p>Greedy and deterministic: each pass tries the steps below in a fixed order, each against the
 * smallest world so far, and keeps a step when the world it gives still fails the invariant the
 * original failed first (another failure does not count: it would shrink towards a different bug).
 * Passes repeat until one keeps nothing or the budget of runs is spent. The steps, biggest first:
 * fewer devices; every fault at once, then each fault alone; commands off; shorter faults; a shorter
 * fault phase and a shorter backoff (so a shorter run); then each firmware option set to the
 * firmware's default, and the link made ideal. The seed stays: it also seeds the run, and so the
 * world's randomness.
 */
public final class Shrinker {
    /** Runs a shrink may spend unless told otherwise. */
    public static final int RUNS_DEFAULT = 150;
    /** The most runs a shrink may be given. */
    public static final int RUNS_MAX = 10_000;
    /** The shortest fault phase a step may leave, in seconds: a window needs a second before and after it. */
    static final int FAULT_SECONDS_MIN = 3;

    private Shrinker() {}

    /** A candidate world and what the step changed, in words. */
    private record Step(Swarm.Params params, String change) {}

    /**
     * What a shrink found: the failing verdict it started from, the smallest failing verdict, the invariant both fail,
     * each change kept (in order), the runs spent, and whether the budget ran out before a pass kept nothing.
     */
    public record Result(Swarm.Verdict original, Swarm.Verdict smallest, String invariant, List<String> kept, int runs, boolean budgetSpent) {
        /** The smallest world as a scenario file for {@code storyloop run}, headed by comments on where it came from. */
        public String scenarioFile() {
            StringBuilder y = new StringBuilder();
            long seed = smallest.world().seed();
            y.append("# Shrunk by `storyloop swarm --seed ").append(seed);
            String planted = smallest.world().params().planted();
            if (!planted.isBlank()) y.append(" --plant \"").append(planted).append('"');
            y.append(" --shrink` in ").append(runs).append(" run(s).\n");
            y.append("# It fails the invariant '").append(invariant).append("', as the drawn world did:\n");
            for (Invariants.Violation v : smallest.violations()) {
                if (v.id().equals(invariant)) y.append("#   ").append(v.message()).append('\n');
            }
            if (invariant.equals(Invariants.GAPS_EXPLAINED) || invariant.equals(Invariants.NO_EXCEPTION)) {
                y.append("# No claim can state this invariant; `storyloop swarm --seed ").append(seed).append(" --shrink` checks it.\n");
            } else {
                y.append("# `storyloop run` shows it as the claim '").append(invariant).append("' failing.\n");
            }
            y.append("# Drawn: ").append(original.world().summary()).append('\n');
            y.append("# Shrunk: ").append(smallest.world().summary()).append('\n');
            y.append("# Changes kept:\n");
            if (kept.isEmpty()) y.append("#   none: no step kept the failure\n");
            for (String change : kept) y.append("#   ").append(change).append('\n');
            return y + smallest.world().yaml();
        }
    }

    /**
     * Shrinks {@code failing} (a verdict that failed) with at most {@code runsMax} runs; {@code onRun} sees every run's
     * verdict with the change it tried (for a progress line).
     */
    public static Result shrink(Swarm.Verdict failing, int runsMax, java.util.function.BiConsumer<String, Swarm.Verdict> onRun) {
        if (failing.passed()) throw new IllegalArgumentException("seed " + failing.world().seed() + " passes: nothing to shrink");
        if (runsMax < 1 || runsMax > RUNS_MAX) throw new IllegalArgumentException("the run budget must be 1.." + RUNS_MAX);
        String invariant = failing.violations().get(0).id();
        Swarm.Verdict best = failing;
        List<String> kept = new ArrayList<>();
        int runs = 0;
        boolean keptAny = true;
        boolean cutShort = false;
        while (keptAny && runs < runsMax) {
            keptAny = false;
            for (Function<Swarm.Params, List<Step>> step : STEPS) {
                for (Step candidate : step.apply(best.world().params())) {
                    if (runs >= runsMax) {
                        cutShort = true;
                        break;
                    }
                    runs++;
                    Swarm.Verdict verdict = Swarm.check(Swarm.world(candidate.params()));
                    onRun.accept(candidate.change(), verdict);
                    if (verdict.fails(invariant)) {
                        best = verdict;
                        kept.add(candidate.change());
                        keptAny = true;
                        break; // the step's other candidates were made from the world before this one
                    }
                }
            }
        }
        return new Result(failing, best, invariant, List.copyOf(kept), runs, cutShort || (keptAny && runs >= runsMax));
    }

    /** The steps, in the order they are tried; each gives its candidates for a world (none: nothing to remove). */
    private static final List<Function<Swarm.Params, List<Step>>> STEPS = List.of(
            Shrinker::fewerDevices,
            Shrinker::noFaults,
            Shrinker::oneFaultLess,
            p -> p.commandsEverySeconds() == 0 ? List.of() : List.of(new Step(with(p).commands(0).build(), "no commands (were every "
                    + p.commandsEverySeconds() + " s)")),
            Shrinker::shorterFaults,
            Shrinker::shorterRun,
            Shrinker::simplerFirmware,
            Shrinker::idealLink);

    private static List<Step> fewerDevices(Swarm.Params p) {
        List<Step> steps = new ArrayList<>();
        for (int n : new int[] {1, p.devices() / 2, p.devices() - 1}) {
            if (n >= 1 && n < p.devices() && steps.stream().noneMatch(s -> s.params().devices() == n)) {
                steps.add(new Step(with(p).devices(n).build(), "devices " + p.devices() + " -> " + n));
            }
        }
        return steps;
    }

    private static List<Step> noFaults(Swarm.Params p) {
        Swarm.Params none = with(p).partitions(List.of()).restarts(List.of()).stops(List.of()).loss(0).bandwidth(0).cost(0).build();
        int faults = p.faultCount() - (p.commandsEverySeconds() > 0 ? 1 : 0);
        return faults < 2 ? List.of() : List.of(new Step(none, "every network, broker and gateway fault (" + faults + ")"));
    }

    private static List<Step> oneFaultLess(Swarm.Params p) {
        List<Step> steps = new ArrayList<>();
        for (int i = 0; i < p.partitions().size(); i++) {
            steps.add(new Step(with(p).partitions(without(p.partitions(), i)).build(), "partition " + describe(p.partitions().get(i))));
        }
        for (int i = 0; i < p.restarts().size(); i++) {
            steps.add(new Step(with(p).restarts(without(p.restarts(), i)).build(), "broker restart " + describe(p.restarts().get(i))));
        }
        for (int i = 0; i < p.gatewayStops().size(); i++) {
            steps.add(new Step(with(p).stops(without(p.gatewayStops(), i)).build(), "gateway stop " + describe(p.gatewayStops().get(i))));
        }
        if (p.loss() > 0) steps.add(new Step(with(p).loss(0).build(), String.format(Locale.ROOT, "loss %.1f%%", p.loss() * 100)));
        if (p.bandwidth() > 0) steps.add(new Step(with(p).bandwidth(0).build(), "bandwidth limit " + p.bandwidth() + " B/s"));
        if (p.costUs() > 0) steps.add(new Step(with(p).cost(0).build(), "gateway cost " + p.costUs() + " us/frame"));
        return steps;
    }

    private static List<Step> shorterFaults(Swarm.Params p) {
        List<Step> steps = new ArrayList<>();
        for (int i = 0; i < p.partitions().size(); i++) {
            Swarm.Window w = p.partitions().get(i);
            if (w.lengthSeconds() > 1) steps.add(new Step(with(p).partitions(halved(p.partitions(), i)).build(), "partition " + describe(w)
                    + " cut to " + (w.lengthSeconds() + 1) / 2 + " s"));
        }
        for (int i = 0; i < p.restarts().size(); i++) {
            Swarm.Window w = p.restarts().get(i);
            if (w.lengthSeconds() > 1) steps.add(new Step(with(p).restarts(halved(p.restarts(), i)).build(), "broker restart " + describe(w)
                    + " cut to " + (w.lengthSeconds() + 1) / 2 + " s"));
        }
        for (int i = 0; i < p.gatewayStops().size(); i++) {
            Swarm.Window w = p.gatewayStops().get(i);
            if (w.lengthSeconds() > 1) steps.add(new Step(with(p).stops(halved(p.gatewayStops(), i)).build(), "gateway stop " + describe(w)
                    + " cut to " + (w.lengthSeconds() + 1) / 2 + " s"));
        }
        return steps;
    }

    private static List<Step> shorterRun(Swarm.Params p) {
        List<Step> steps = new ArrayList<>();
        int lastEnd = 0;
        for (List<Swarm.Window> windows : List.of(p.partitions(), p.restarts(), p.gatewayStops())) {
            for (Swarm.Window w : windows) lastEnd = Math.max(lastEnd, w.endSeconds());
        }
        int shorter = Math.max(Math.max(lastEnd + 1, FAULT_SECONDS_MIN), p.faultSeconds() / 2);
        if (shorter < p.faultSeconds()) {
            steps.add(new Step(with(p).faultSeconds(shorter).build(), "fault phase " + p.faultSeconds() + " s -> " + shorter + " s"));
        }
        if (p.backoffCapMs() > p.backoffBaseMs()) {
            steps.add(new Step(with(p).backoffCap(p.backoffBaseMs()).build(), "backoff cap " + p.backoffCapMs() + " ms -> "
                    + p.backoffBaseMs() + " ms (the base: a shorter quiet phase)"));
        }
        return steps;
    }

    private static List<Step> simplerFirmware(Swarm.Params p) {
        List<Step> steps = new ArrayList<>();
        // The firmware's own defaults (FirmwareConfig) are the simplest options: the ones a reader need not think about.
        if (p.periodMs() != 1000) steps.add(new Step(with(p).period(1000).build(), "period " + p.periodMs() + " ms -> 1000 ms (the default)"));
        if (p.qos() != 1) steps.add(new Step(with(p).qos(1).build(), "QoS " + p.qos() + " -> 1 (the default)"));
        if (p.capacity() != 64) steps.add(new Step(with(p).capacity(64).build(), "queue " + p.capacity() + " -> 64 (the default)"));
        if (!p.policy().equals("drop-oldest")) steps.add(new Step(with(p).policy("drop-oldest").build(), "policy " + p.policy() + " -> drop-oldest (the default)"));
        if (p.window() != 8) steps.add(new Step(with(p).window(8).build(), "window " + p.window() + " -> 8 (the default)"));
        if (!p.jitter()) steps.add(new Step(with(p).jitter(true).build(), "backoff jitter off -> on (the default)"));
        if (!p.flowControl()) steps.add(new Step(with(p).flow(true).build(), "gateway flow control off -> on (the default)"));
        if (p.maxInflight() != 0 || p.maxQueued() != 0) {
            steps.add(new Step(with(p).brokerLimits(0, 0).build(), "broker limits (max-inflight " + p.maxInflight() + ", max-queued "
                    + p.maxQueued() + ") -> none"));
        }
        return steps;
    }

    private static List<Step> idealLink(Swarm.Params p) {
        if (p.latencyMs() == 0 && p.jitterMs() == 0) return List.of();
        return List.of(new Step(with(p).latency(0, 0).build(), "link latency " + p.latencyMs() + " ms, jitter " + p.jitterMs() + " ms -> 0"));
    }

    private static String describe(Swarm.Window w) {
        return "at " + w.atSeconds() + " s for " + w.lengthSeconds() + " s";
    }

    private static List<Swarm.Window> without(List<Swarm.Window> windows, int index) {
        List<Swarm.Window> rest = new ArrayList<>(windows);
        rest.remove(index);
        return rest;
    }

    private static List<Swarm.Window> halved(List<Swarm.Window> windows, int index) {
        List<Swarm.Window> changed = new ArrayList<>(windows);
        Swarm.Window w = windows.get(index);
        changed.set(index, new Swarm.Window(w.atSeconds(), (w.lengthSeconds() + 1) / 2));
        return changed;
    }

    private static Builder with(Swarm.Params p) {
        return new Builder(p);
    }

    /** A copy of a world's parameters with some changed: the one place that lists them all. */
    private static final class Builder {
        private final Swarm.Params p;
        private int devices, periodMs, qos, capacity, window, backoffCapMs, latencyMs, jitterMs, bandwidth, faultSeconds, maxInflight, maxQueued,
                costUs, commandsEvery;
        private String policy;
        private boolean jitter, flow;
        private double loss;
        private List<Swarm.Window> partitions, restarts, stops;

        Builder(Swarm.Params p) {
            this.p = p;
            devices = p.devices();
            periodMs = p.periodMs();
            qos = p.qos();
            capacity = p.capacity();
            window = p.window();
            policy = p.policy();
            backoffCapMs = p.backoffCapMs();
            jitter = p.jitter();
            latencyMs = p.latencyMs();
            jitterMs = p.jitterMs();
            loss = p.loss();
            bandwidth = p.bandwidth();
            faultSeconds = p.faultSeconds();
            partitions = p.partitions();
            maxInflight = p.maxInflight();
            maxQueued = p.maxQueued();
            restarts = p.restarts();
            flow = p.flowControl();
            costUs = p.costUs();
            commandsEvery = p.commandsEverySeconds();
            stops = p.gatewayStops();
        }

        Builder devices(int v) { devices = v; return this; }
        Builder period(int v) { periodMs = v; return this; }
        Builder qos(int v) { qos = v; return this; }
        Builder capacity(int v) { capacity = v; return this; }
        Builder window(int v) { window = v; return this; }
        Builder policy(String v) { policy = v; return this; }
        Builder backoffCap(int v) { backoffCapMs = v; return this; }
        Builder jitter(boolean v) { jitter = v; return this; }
        Builder latency(int ms, int jitter) { latencyMs = ms; jitterMs = jitter; return this; }
        Builder loss(double v) { loss = v; return this; }
        Builder bandwidth(int v) { bandwidth = v; return this; }
        Builder faultSeconds(int v) { faultSeconds = v; return this; }
        Builder partitions(List<Swarm.Window> v) { partitions = v; return this; }
        Builder brokerLimits(int inflight, int queued) { maxInflight = inflight; maxQueued = queued; return this; }
        Builder restarts(List<Swarm.Window> v) { restarts = v; return this; }
        Builder flow(boolean v) { flow = v; return this; }
        Builder cost(int v) { costUs = v; return this; }
        Builder commands(int everySeconds) { commandsEvery = everySeconds; return this; }
        Builder stops(List<Swarm.Window> v) { stops = v; return this; }

        Swarm.Params build() {
            return new Swarm.Params(p.seed(), devices, periodMs, qos, capacity, window, policy, p.keepaliveSeconds(), p.backoffBaseMs(),
                    backoffCapMs, jitter, latencyMs, jitterMs, loss, bandwidth, faultSeconds, partitions, maxInflight, maxQueued, restarts, flow,
                    costUs, commandsEvery, stops, p.planted());
        }
    }
}
