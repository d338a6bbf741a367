package dev.storyloop.device.diag;

import dev.storyloop.device.chan.Channel;
import dev.storyloop.device.chan.OverflowPolicy;
import dev.storyloop.device.exec.Executor;
import dev.storyloop.device.exec.Futures;
import dev.storyloop.device.exec.Poll;
import dev.storyloop.device.exec.Timeout;
import dev.storyloop.device.exec.WaitNode;
import dev.storyloop.device.time.VirtualClock;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class WaitChainTest {
    private static final long MS = 1_000_000L;

    /** A future around a worker that, like the buggy HMAC call, returns Pending without handing over its waker. */
    private static final WaitNode HMAC = new WaitNode() {
        @Override public String waitLabel(long nowNanos) { return "hmac future (worker 'crypto')"; }
        @Override public String wakerHolder() { return null; }
    };

    @Test
    void shouldNameEveryLinkFromTheTaskDownToTheResourceWithWhoHoldsTheWaker() {
        VirtualClock clock = new VirtualClock();
        Executor executor = Executor.builder("dev").clock(clock).build();
        Diagnostics diag = Diagnostics.attach(executor);
        executor.spawn("request", Timeout.after(5_000 * MS, Futures.of(cx -> {
            cx.waitingOn(HMAC);
            return Poll.PENDING;
        })));
        executor.runBatch();
        clock.advanceTo(1_800 * MS);

        List<WaitChain> chains = diag.waitChains();

        assertThat(chains).hasSize(1);
        WaitChain chain = chains.get(0);
        assertThat(chain.chain()).isEqualTo(
                "request#0.0 -> timeout(5 s, 3.2 s left) [waker: timer] -> hmac future (worker 'crypto') [no waker held]");
        assertThat(chain.waitedNanos()).isEqualTo(1_800 * MS);
        assertThat(chain.wakerHolders()).as("only the timeout's timer holds it").isEqualTo(1);
        assertThat(chain.toString()).endsWith("; waiting 1.800 s; waker held by 1 registration(s)");
    }

    @Test
    void shouldNameTheChannelThatHoldsAWaitingReceiversWaker() {
        Executor executor = Executor.builder("dev").clock(new VirtualClock()).build();
        Diagnostics diag = Diagnostics.attach(executor);
        Channel<Integer> uplink = Channel.unbudgeted("uplink", 1, OverflowPolicy.BLOCK);
        executor.spawn("receiver", uplink.receiver().recv());
        executor.runBatch();

        WaitChain chain = diag.waitChains().get(0);

        assertThat(chain.chain()).isEqualTo("receiver#0.0 -> an item in channel 'uplink' [waker: channel 'uplink']");
        assertThat(chain.noWakerHeld()).isFalse();
    }

    @Test
    void shouldPutTheChainOfATaskNobodyCanWakeIntoItsLostWakerReport() {
        Executor executor = Executor.builder("dev").clock(new VirtualClock()).build();
        Diagnostics diag = Diagnostics.attach(executor);
        executor.spawn("request", Futures.of(cx -> {
            cx.waitingOn(HMAC);
            return Poll.PENDING;
        }));
        executor.runBatch();
        executor.idle();

        assertThat(diag.lostWakers()).singleElement()
                .satisfies(r -> assertThat(r.waitChain()).isEqualTo("request#0.0 -> hmac future (worker 'crypto') [no waker held]"));
        assertThat(diag.waitChains().get(0).noWakerHeld()).isTrue();
    }

    @Test
    void shouldEndAChainThatLoopsBackOnItselfAfterTheDepthLimit() {
        WaitNode loop = new WaitNode() {
            @Override public String waitLabel(long nowNanos) { return "loop"; }
            @Override public Object innerWait() { return this; }
            @Override public String wakerHolder() { return null; }
        };

        assertThat(WaitChain.links(loop, 0)).hasSize(WaitChain.DEPTH_MAX);
    }

    @Test
    void shouldRecordTheChainOfEachPendingPollAndEachReportInTheTrace() {
        Executor executor = Executor.builder("dev").clock(new VirtualClock()).build();
        Diagnostics diag = Diagnostics.attach(executor);
        StringBuilder lines = new StringBuilder();
        TraceRecorder trace = new TraceRecorder("dev", lines);
        executor.addObserver(trace);
        trace.recordReports(diag);
        executor.spawn("request", Futures.of(cx -> {
            cx.waitingOn(HMAC);
            return Poll.PENDING;
        }));
        executor.runBatch();
        executor.idle();

        assertThat(lines.toString()).contains(
                "\"e\":\"pend\",\"task\":\"request#0.0\",\"on\":\"hmac future (worker 'crypto') [no waker held]\",\"holders\":0}",
                "\"e\":\"warn\",\"kind\":\"lost-waker\",\"task\":\"request#0.0\",\"msg\":\"lost waker: task 'request'");
    }
}
