package dev.storyloop.stories.swarm;

import dev.storyloop.stories.scenario.Scenario;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What must hold at the end of every swarm world with correct firmware, read from the simulated
 * runner's metrics (the runner has already proved the broker's and the links' books balance:
 * {@code SimWorld.checkBalance()} throws when they do not).
 */
final class Invariants {
    private Invariants() {}

    static List<String> check(Scenario scenario, Map<String, Object> m) {
        List<String> violations = new ArrayList<>();
        int devices = scenario.devices().count();
        expect(violations, m, "boot_failed", 0, "every device boots within its RAM budget");
        expect(violations, m, "device.task_failures", 0, "no exception escapes a task");
        expect(violations, m, "lost_waker_reports", 0, "correct firmware loses no waker");
        expect(violations, m, "device.unaccounted", 0, "every reading is delivered, dropped with a reason, or held");
        expect(violations, m, "device.connected", devices, "liveness: every device is connected once the faults are over");
        expect(violations, m, "gateway.connected", 1, "liveness: the gateway is connected once the faults are over");
        expect(violations, m, "device.buffered", 0, "liveness: every queue drains once sampling stops");
        expect(violations, m, "broker.held", 0, "liveness: the broker holds no copy for anyone once sampling stops");

        // Every reading a device dropped is a gap at the gateway. More gaps can only come from copies the
        // world lost after the device let go of them: dropped by the broker, published while nobody was
        // subscribed, lost with a closing connection (QoS 0), or refused by the gateway.
        long dropped = number(m, "device.dropped");
        long missing = number(m, "gateway.missing");
        long afterDevice = number(m, "broker.dropped") + number(m, "broker.unrouted") + number(m, "network.lost_on_close")
                + number(m, "gateway.rejected");
        if (missing < dropped) {
            violations.add("the gateway misses " + missing + " readings, fewer than the " + dropped + " the devices dropped");
        }
        if (missing > dropped + afterDevice) {
            violations.add("the gateway misses " + missing + " readings: more than the devices' " + dropped
                    + " drops plus the " + afterDevice + " copies the broker, the links and the gateway account for");
        }
        return violations;
    }

    private static void expect(List<String> violations, Map<String, Object> m, String metric, long expected, String what) {
        Object value = m.get(metric);
        if (!(value instanceof Number n) || n.longValue() != expected) {
            violations.add(what + ": " + metric + " = " + value + ", expected " + expected);
        }
    }

    private static long number(Map<String, Object> m, String metric) {
        Object value = m.get(metric);
        if (!(value instanceof Number n)) throw new IllegalStateException("the runner measured no " + metric);
        return n.longValue();
    }
}
