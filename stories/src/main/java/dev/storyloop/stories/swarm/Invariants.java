package dev.storyloop.stories.swarm;

import dev.storyloop.stories.run.ClaimResult;
import dev.storyloop.stories.scenario.Scenario;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What must hold at the end of every swarm world with correct firmware, read from the simulated
 * runner's metrics (the runner has already proved the broker's and the links' books balance:
 * {@code SimWorld.checkBalance()} throws when they do not).
 *
 * <p>Each invariant has an id. Those a scenario claim can state are written into every drawn
 * world's {@code expect:} section under that id and checked from there, so a world written out by
 * the shrinker fails, under {@code storyloop run}, the same claim the swarm saw fail. The one that
 * needs arithmetic over several metrics ({@link #GAPS_EXPLAINED}) is checked here only.
 */
public final class Invariants {
    /** An exception escaped the simulated world (not a claim: there are no metrics then). */
    public static final String NO_EXCEPTION = "no-exception";
    /** The gateway's gaps are no more than the devices' drops plus the copies the world accounts for. */
    public static final String GAPS_EXPLAINED = "gaps-explained";
    /** The variant every drawn world has, and the prefix of its metrics in claims. */
    static final String VARIANT = "run";

    private Invariants() {}

    /** A failed invariant: its id and what was measured, in words. */
    public record Violation(String id, String message) {
        @Override
        public String toString() {
            return message;
        }
    }

    /** One invariant a claim can state: {@code metric op value}, or {@code metric op other-metric}. */
    private record Rule(String id, String what, String metric, String op, String value) {}

    private static List<Rule> rules(int devices) {
        return List.of(
                new Rule("boots", "every device boots within its RAM budget", "boot_failed", "==", "0"),
                new Rule("no-task-failure", "no exception escapes a task", "device.task_failures", "==", "0"),
                new Rule("no-lost-waker", "correct firmware loses no waker", "lost_waker_reports", "==", "0"),
                new Rule("books-balance", "every reading is delivered, dropped with a reason, or held", "device.unaccounted", "==", "0"),
                new Rule("devices-connected", "liveness: every device is connected once the faults are over", "device.connected", "==",
                        Integer.toString(devices)),
                new Rule("gateway-connected", "liveness: the gateway is connected once the faults are over", "gateway.connected", "==", "1"),
                new Rule("queues-drain", "liveness: every queue drains once sampling stops", "device.buffered", "==", "0"),
                new Rule("broker-empty", "liveness: the broker holds no copy for anyone once sampling stops", "broker.held", "==", "0"),
                new Rule("drops-are-gaps", "every reading a device dropped is a gap at the gateway", "gateway.missing", ">=",
                        "other:device.dropped"));
    }

    /** The {@code expect:} entries of a drawn world of {@code devices} devices: every invariant a claim can state. */
    static String claimsYaml(int devices) {
        StringBuilder y = new StringBuilder();
        for (Rule rule : rules(devices)) {
            y.append("  - {id: ").append(rule.id()).append(", claim: \"").append(rule.what()).append("\", metric: ").append(VARIANT)
                    .append('.').append(rule.metric()).append(", op: \"").append(rule.op()).append("\", ");
            if (rule.value().startsWith("other:")) y.append("other: ").append(VARIANT).append('.').append(rule.value().substring(6));
            else y.append("value: ").append(rule.value());
            y.append("}\n");
        }
        return y.toString();
    }

    /** Every invariant that fails for a run of {@code scenario} that measured {@code m}, in a fixed order; none: it passed. */
    static List<Violation> check(Scenario scenario, Map<String, Object> m) {
        List<Violation> violations = new ArrayList<>();
        Map<String, Object> prefixed = new TreeMap<>();
        m.forEach((k, v) -> prefixed.put(VARIANT + "." + k, v));
        for (Scenario.Claim claim : scenario.expect()) {
            ClaimResult result = ClaimResult.check(claim, prefixed);
            if (!result.passes()) {
                violations.add(new Violation(claim.id(), claim.claim() + ": " + claim.describe().replace(VARIANT + ".", "") + " is false, measured "
                        + result.measured()));
            }
        }
        if (m.containsKey("boot_failed") && !Long.valueOf(0).equals(m.get("boot_failed"))) return violations; // no other metric then

        // Every reading a device dropped is a gap at the gateway (drops-are-gaps, above). More gaps can only come from
        // copies the world lost after the device let go of them: dropped by the broker, published while nobody was
        // subscribed, lost with a closing connection (QoS 0), or refused by the gateway.
        long dropped = number(m, "device.dropped");
        long missing = number(m, "gateway.missing");
        long afterDevice = number(m, "broker.dropped") + number(m, "broker.unrouted") + number(m, "network.lost_on_close")
                + number(m, "gateway.rejected");
        if (missing > dropped + afterDevice) {
            violations.add(new Violation(GAPS_EXPLAINED, "the gateway misses " + missing + " readings: more than the devices' " + dropped
                    + " drops plus the " + afterDevice + " copies the broker, the links and the gateway account for"));
        }
        return violations;
    }

    private static long number(Map<String, Object> m, String metric) {
        Object value = m.get(metric);
        if (!(value instanceof Number n)) throw new IllegalStateException("the runner measured no " + metric);
        return n.longValue();
    }
}
