package dev.storyloop.console;

import dev.storyloop.device.diag.Diagnostics;
import dev.storyloop.device.diag.TraceRecorder;
import dev.storyloop.device.exec.Context;
import dev.storyloop.device.exec.Executor;
import dev.storyloop.device.exec.Future;
import dev.storyloop.device.exec.Poll;
import dev.storyloop.device.exec.Sleep;
import dev.storyloop.device.exec.Timeout;
import dev.storyloop.device.time.VirtualClock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TraceIndexTest {
    private static final long MS = 1_000_000L;

    /** Returns Pending once without handing its waker to anyone: the bug a replay must show. */
    private static final class LosesWake implements Future<Void> {
        @Override public Poll poll(Context cx) {
            cx.waitingOn("hmac future (worker 'crypto')");
            return Poll.PENDING;
        }
        @Override public Void output() { return null; }
        @Override public void cancel() { }
    }

    /** A ticker that runs for a while, then a request that hangs under a 5 s timeout at 300 ms. */
    private static String recordedRun(int ticks) {
        Executor executor = Executor.builder("valve-1").clock(new VirtualClock()).taskCapacity(8).build();
        Diagnostics diag = Diagnostics.attach(executor);
        StringBuilder lines = new StringBuilder();
        TraceRecorder trace = new TraceRecorder(executor.name(), lines);
        executor.addObserver(trace);
        trace.recordReports(diag);
        Sleep tick = Sleep.forMillis(100);
        int[] left = {ticks};
        executor.spawn("ticker", new Future<Void>() {
            @Override public Poll poll(Context cx) {
                while (left[0] > 0) {
                    if (tick.poll(cx) == Poll.PENDING) return Poll.PENDING;
                    tick.reset(100 * MS);
                    left[0]--;
                    if (left[0] == ticks - 3) cx.spawner().spawn("request", new LosesWake());
                }
                return Poll.READY;
            }
            @Override public Void output() { return null; }
            @Override public void cancel() { tick.cancel(); }
        });
        executor.spawn("guarded", Timeout.after(5_000 * MS, new LosesWake()));
        executor.runFor(ticks * 100 * MS + 50 * MS);
        return lines.toString();
    }

    @Test
    void shouldShowEachTaskStateAndWaitChainAtAnInstant(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("trace.jsonl");
        Files.writeString(file, recordedRun(10), StandardCharsets.UTF_8);

        TraceIndex index = TraceIndex.load(file);

        assertThat(index.malformedLines()).isZero();
        assertThat(index.warnings()).singleElement().satisfies(w -> {
            assertThat(w.kind()).isEqualTo("lost-waker");
            assertThat(w.task()).isEqualTo("request#2.0");
            assertThat(w.atNanos()).isEqualTo(300 * MS);
        });
        List<TraceIndex.TaskAt> at = index.tasksAt(index.warnings().get(0).atNanos());
        assertThat(at).extracting(TraceIndex.TaskAt::task).containsExactly("ticker#0.0", "guarded#1.0", "request#2.0");
        TraceIndex.TaskAt request = at.get(2);
        assertThat(request.state()).isEqualTo("PENDING");
        assertThat(request.waitsOn()).isEqualTo("hmac future (worker 'crypto')");
        assertThat(request.wakerHolders()).isZero();
        assertThat(at.get(1).waitsOn()).isEqualTo("timeout(5 s, 5.0 s left) [waker: timer] -> hmac future (worker 'crypto')");
        assertThat(index.tasksAt(299 * MS)).extracting(TraceIndex.TaskAt::task).doesNotContain("request#2.0");
        assertThat(index.tasksAt(-1)).isEmpty();
    }

    @Test
    void shouldGiveTheSameAnswerFromACheckpointAsFromTheStart(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("long.jsonl");
        Files.writeString(file, recordedRun(5_000), StandardCharsets.UTF_8); // ~20,000 events: several checkpoints

        TraceIndex index = TraceIndex.load(file);

        assertThat(index.events()).isGreaterThan(3 * TraceIndex.CHECKPOINT_EVERY);
        for (int event : new int[] {TraceIndex.CHECKPOINT_EVERY - 1, TraceIndex.CHECKPOINT_EVERY, 2 * TraceIndex.CHECKPOINT_EVERY + 17, index.events() - 1}) {
            List<TraceIndex.TaskAt> scrubbed = index.tasksAfter(event);
            index.tasksAfter(0); // move away, so the next answer cannot reuse the working state
            assertThat(index.tasksAfter(event)).as("event %d", event).isEqualTo(scrubbed);
            assertThat(scrubbed).extracting(TraceIndex.TaskAt::task).contains("request#2.0");
        }
    }

    @Test
    void shouldCountAndSkipLinesThatAreNotEvents(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("damaged.jsonl");
        String run = recordedRun(10);
        Files.writeString(file, "not json\n{\"t\":1}\n" + run + "{\"t\":0,\"ex\":\"valve-1\",\"e\":\"spawn\",\"task\":\"late#7.0\"}\n{\"t\":",
                StandardCharsets.UTF_8);

        TraceIndex index = TraceIndex.load(file);

        assertThat(index.malformedLines()).as("garbage, no executor, out of time order, cut short").isEqualTo(4);
        assertThat(index.events()).isEqualTo(run.lines().count());
    }

    @Test
    void shouldRefuseAFileWithNoEvents(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("empty.jsonl");
        Files.writeString(file, "hello\n", StandardCharsets.UTF_8);

        assertThatThrownBy(() -> TraceIndex.load(file)).isInstanceOf(IOException.class).hasMessageContaining("no trace events (1 line(s)");
    }
}
