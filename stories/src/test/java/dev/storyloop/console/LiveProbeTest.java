package dev.storyloop.console;

import dev.storyloop.device.chan.Channel;
import dev.storyloop.device.chan.OverflowPolicy;
import dev.storyloop.device.diag.Diagnostics;
import dev.storyloop.device.exec.Context;
import dev.storyloop.device.exec.Executor;
import dev.storyloop.device.exec.Future;
import dev.storyloop.device.exec.Poll;
import dev.storyloop.device.time.VirtualClock;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class LiveProbeTest {

    private static Executor executor() {
        return Executor.builder("dev").clock(new VirtualClock()).taskCapacity(8).build();
    }

    @Test
    void shouldWarnOnceAboutATaskThatMostlyWakesItself() {
        Executor executor = executor();
        LiveProbe probe = LiveProbe.attach("dev", executor, Diagnostics.attach(executor), "");
        int[] turns = {0};
        executor.spawn("spinner", new Future<Void>() {
            @Override public Poll poll(Context cx) {
                if (++turns[0] == 200) return Poll.READY;
                cx.waker().wake(); // yields by waking itself, like a busy loop
                return Poll.PENDING;
            }
            @Override public Void output() { return null; }
            @Override public void cancel() { }
        });
        executor.runUntil(() -> executor.liveTasks() == 0);

        List<JsonObject> warnings = probe.warningsAfter(0);
        assertThat(warnings).singleElement().satisfies(w -> {
            assertThat(w.getString("kind")).isEqualTo("self-wake");
            assertThat(w.getString("task")).isEqualTo("spinner#0.0");
            assertThat(w.getString("message")).startsWith("self-wake: task 'spinner' woke itself in 100% of its 64 wakes");
        });
    }

    @Test
    void shouldWarnAboutAQueueAtItsBoundOncePerIntervalNotOncePerRefusal() {
        Executor executor = executor();
        LiveProbe probe = LiveProbe.attach("dev", executor, Diagnostics.attach(executor), "");
        Channel<Integer> uplink = Channel.unbudgeted("uplink", 1, OverflowPolicy.DROP_NEWEST);
        executor.spawn("producer", new Future<Void>() {
            int sent;
            Future<Void> send;
            @Override public Poll poll(Context cx) {
                while (sent < 10) {
                    if (send == null) send = uplink.sender().send(sent);
                    if (send.poll(cx) == Poll.PENDING) return Poll.PENDING;
                    send = null;
                    sent++;
                }
                return Poll.READY;
            }
            @Override public Void output() { return null; }
            @Override public void cancel() { }
        });
        executor.runUntil(() -> executor.liveTasks() == 0);

        assertThat(uplink.stats().droppedNewest()).as("nine refused").isEqualTo(9);
        assertThat(probe.warningsAfter(0)).singleElement().satisfies(w -> {
            assertThat(w.getString("kind")).isEqualTo("queue-at-bound");
            assertThat(w.getString("waitsOn")).isEqualTo("chan:uplink");
            assertThat(w.getString("task")).isEqualTo("producer#0.0");
        });
    }
}
