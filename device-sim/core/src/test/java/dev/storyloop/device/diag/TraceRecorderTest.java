package dev.storyloop.device.diag;

import dev.storyloop.device.chan.Channel;
import dev.storyloop.device.chan.OverflowPolicy;
import dev.storyloop.device.exec.Executor;
import dev.storyloop.device.exec.Futures;
import dev.storyloop.device.exec.Poll;
import dev.storyloop.device.exec.Sleep;
import dev.storyloop.device.time.VirtualClock;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

class TraceRecorderTest {

    /** A small seeded world: producers with random periods feeding a bounded channel. */
    private static TraceRecorder run(long seed, StringBuilder lines) {
        Executor executor = Executor.builder("dev-" + seed).clock(new VirtualClock()).taskCapacity(8).build();
        TraceRecorder trace = new TraceRecorder(executor.name(), lines);
        executor.addObserver(trace);
        SplittableRandom random = new SplittableRandom(seed);
        Channel<Integer> channel = Channel.unbudgeted("uplink", 3, OverflowPolicy.DROP_OLDEST);
        for (int p = 0; p < 3; p++) {
            long period = 1 + random.nextInt(20);
            Sleep tick = Sleep.forMillis(period);
            int[] sent = {0};
            executor.spawn("producer" + p, Futures.of(cx -> {
                while (sent[0] < 20) {
                    if (tick.poll(cx) == Poll.PENDING) return Poll.PENDING;
                    tick.reset(period * 1_000_000L);
                    channel.trySend(sent[0]++);
                }
                return Poll.READY;
            }));
        }
        executor.runUntil(() -> executor.liveTasks() == 0);
        return trace;
    }

    @Test
    void shouldGiveTheSameDigestForTheSameSeed() {
        StringBuilder first = new StringBuilder();
        StringBuilder second = new StringBuilder();

        String a = run(42, first).digestHex();
        String b = run(42, second).digestHex();

        assertThat(a).isEqualTo(b).hasSize(64);
        assertThat(first.toString()).isEqualTo(second.toString());
        assertThat(run(43, new StringBuilder()).digestHex()).isNotEqualTo(a);
    }

    @Test
    void shouldWriteCanonicalJsonLines() {
        StringBuilder lines = new StringBuilder();
        run(7, lines);

        assertThat(lines.toString().lines().findFirst()).contains("{\"t\":0,\"ex\":\"dev-7\",\"e\":\"spawn\",\"task\":\"producer0#0.0\"}");
        assertThat(lines.toString()).contains("\"e\":\"wake\",\"task\":\"producer0#0.0\",\"src\":\"timer\"");
    }

    @Test
    void shouldDigestExactlyTheUtf8OfTheLinesItWritesWhateverTheNames() throws Exception {
        String[] names = {"plain", "quote\"and\\slash", "tab\tnewline\n", "caf\u00e9", "\u20ac-sign", "emoji-\ud83d\ude80", "lone-\ud83d-surrogate"};
        StringBuilder lines = new StringBuilder();
        Executor executor = Executor.builder("ex-\u00fc").clock(new VirtualClock()).taskCapacity(8).build();
        TraceRecorder trace = new TraceRecorder(executor.name(), lines);
        executor.addObserver(trace);
        for (String name : names) executor.spawn(name, Futures.of(cx -> Poll.READY));
        executor.runUntil(() -> executor.liveTasks() == 0);
        trace.onNote(null, "note", "\u00e9t\u00e9 \ud83d\ude80", -42);

        byte[] utf8 = lines.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
        String expected = java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(utf8));
        assertThat(trace.digestHex()).isEqualTo(expected);
        assertThat(lines.toString()).contains("\"task\":\"quote\\\"and\\\\slash#1.0\"", "tab\\u0009newline\\u000a", "\"t\":-42")
                .contains("emoji-\ud83d\ude80", "lone-?-surrogate");
    }
}
