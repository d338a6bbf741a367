package dev.storyloop.device.sim;

import dev.storyloop.device.diag.Diagnostics;
import dev.storyloop.device.diag.LostWakerReport;
import dev.storyloop.device.exec.Closable;
import dev.storyloop.device.exec.Context;
import dev.storyloop.device.exec.Executor;
import dev.storyloop.device.exec.Future;
import dev.storyloop.device.exec.Poll;
import dev.storyloop.device.exec.Sleep;
import dev.storyloop.device.exec.WaitNode;
import dev.storyloop.device.exec.WakerSlot;
import dev.storyloop.device.time.VirtualClock;
import org.assertj.core.groups.Tuple;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The world tells an executor it is idle right after a step that leaves it quiet, and at the
 * instant's end only if something changed since: what the checks find must be what one check at
 * the instant's end found.
 */
class SimSchedulerIdleTest {
    private static final long MS = 1_000_000L;

    /**
     * Two devices in one world, stepped in this order at 50 ms: {@code waiting} (with diagnostics), whose
     * task wakes then and does {@code waiterAt50}, and {@code acting}, whose task wakes then and does
     * {@code actAt50} to what the waiter left. Runs to 100 ms; returns the waiting device's diagnostics.
     */
    private static Diagnostics run(Consumer<Context> waiterAt50, Runnable actAt50) {
        VirtualClock clock = new VirtualClock();
        SimWorld world = new SimWorld(1, BrokerLimits.MOSQUITTO_DEFAULTS, LinkProfile.lan(), clock, 64);
        Executor waiting = Executor.builder("waiting").clock(clock).taskCapacity(4).build();
        Diagnostics diagnostics = Diagnostics.attach(waiting);
        world.add(waiting);
        Executor acting = Executor.builder("acting").clock(clock).taskCapacity(4).build();
        world.add(acting);
        Sleep waiterSleep = Sleep.until(50 * MS);
        waiting.spawn("waiter", Future.<Void>of((cx, out) -> {
            if (waiterSleep.poll(cx) == Poll.PENDING) return Poll.PENDING;
            waiterAt50.accept(cx);
            return Poll.PENDING;
        }));
        Sleep actorSleep = Sleep.until(50 * MS);
        acting.spawn("actor", Future.<Void>of((cx, out) -> {
            if (actorSleep.poll(cx) == Poll.PENDING) return Poll.PENDING;
            actAt50.run();
            return Poll.READY;
        }));
        world.runUntil(() -> false, 100 * MS);
        return diagnostics;
    }

    /**
     * A task wakes at 50 ms and leaves its waker with a resource. At the same instant, in the same turn,
     * the actor (stepped after it) makes the resource let go of the waker without waking it
     * ({@code dropsIt}). The check right after the first device's step saw a held waker; the one at the
     * instant's end must see the loss, at 50 ms. Without the drop, nothing is reported.
     */
    private static Diagnostics run(boolean dropsIt) {
        WakerSlot resource = new WakerSlot();
        return run(resource::register, () -> {
            assertThat(resource.isRegistered()).as("the waiter's step came first").isTrue();
            if (dropsIt) resource.clear();
        });
    }

    @Test
    void shouldSeeAWakerLetGoAfterTheStepAtTheSameInstant() {
        assertThat(run(true).lostWakers()).extracting(LostWakerReport::task, LostWakerReport::atNanos)
                .containsExactly(Tuple.tuple("waiter", 50 * MS));
    }

    @Test
    void shouldReportNothingWhileTheResourceHoldsTheWaker() {
        assertThat(run(false).lostWakers()).isEmpty();
    }

    /**
     * A resource that closes without waking its waiter: counting its closes ({@code counted}: the checks
     * walk to it again after a counted close) or not (they walk to it at every idle turn).
     */
    private static final class ClosesWithoutWaking implements WaitNode, Closable {
        final boolean counted;
        boolean closed;
        ClosesWithoutWaking(boolean counted) { this.counted = counted; }
        void close() {
            closed = true;
            if (counted) Closable.countClose();
        }
        @Override public boolean isClosed() { return closed; }
        @Override public boolean closingIsCounted() { return counted; }
        @Override public String waitLabel(long nowNanos) { return "an uncounted resource"; }
        @Override public String wakerHolder() { return "an uncounted resource"; }
    }

    /**
     * As above, but the resource keeps the waker and closes in the second device's step at the same
     * instant: nothing in the first executor changed, yet its task now waits on a closed resource. The
     * check at the instant's end must run for it and report the closed wait at 50 ms, whether the close
     * was counted or not.
     */
    @Test
    void shouldLookAgainAtATaskWaitingOnAResourceWhoseClosesAreNotCounted() {
        assertThat(closedWaitsWhenClosedAfterTheStep(false)).containsExactly(Tuple.tuple("waiter", 50 * MS));
    }

    @Test
    void shouldLookAgainAfterACountedClose() {
        assertThat(closedWaitsWhenClosedAfterTheStep(true)).containsExactly(Tuple.tuple("waiter", 50 * MS));
    }

    private static List<Tuple> closedWaitsWhenClosedAfterTheStep(boolean counted) {
        ClosesWithoutWaking resource = new ClosesWithoutWaking(counted);
        WakerSlot held = new WakerSlot();
        Diagnostics diagnostics = run(cx -> {
            held.register(cx);
            cx.waitingOn(resource);
        }, () -> {
            assertThat(held.isRegistered()).as("the waiter's step came first").isTrue();
            resource.close();
        });
        return diagnostics.closedWaits().stream().map(r -> Tuple.tuple(r.task(), r.atNanos())).toList();
    }
}
