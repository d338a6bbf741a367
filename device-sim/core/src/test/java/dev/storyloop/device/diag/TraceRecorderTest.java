package dev.storyloop.device.diag;

import dev.storyloop.device.chan.Channel;
import dev.storyloop.device.chan.OverflowPolicy;
import dev.storyloop.device.exec.Executor;
import dev.storyloop.device.exec.Future;
import dev.storyloop.device.exec.Futures;
import dev.storyloop.device.exec.Poll;
import dev.storyloop.device.exec.Sleep;
import dev.storyloop.device.exec.Timeout;
import dev.storyloop.device.time.VirtualClock;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TraceRecorderTest {

    /**
     * The SHA-256 of the JSON lines that the recorder wrote and digested, before it digested binary
     * records instead, for {@link #run} with seeds 42 and 7: the lines rendered from the records must
     * still be exactly those bytes.
     */
    private static final String JSON_LINES_SHA256_SEED_42 = "0b8a270f066d7b2c3affd145b7aab943256f643c117be466d9d50e3eea78d719";
    private static final String JSON_LINES_SHA256_SEED_7 = "06150ed3d2df0789ce17067f48a9f1c897ceb7cb187b9d10196128bdada0ba4d";

    /**
     * A small seeded world: producers with random periods feeding a bounded channel, and a consumer
     * that waits for items under a timeout (so pending tasks wait on timers, timeouts and a channel).
     */
    private static TraceRecorder run(long seed, StringBuilder lines, OutputStream records) {
        return run(seed, lines, records, null);
    }

    /** As {@link #run(long, StringBuilder, OutputStream)}, recording into {@code stream} when one is given (then {@code records} is not used). */
    private static TraceRecorder run(long seed, StringBuilder lines, OutputStream records, TraceStream stream) {
        Executor executor = Executor.builder("dev-" + seed).clock(new VirtualClock()).taskCapacity(8).build();
        TraceRecorder trace = stream == null ? new TraceRecorder(executor.name(), lines, records) : new TraceRecorder(stream, executor.name(), lines);
        executor.addObserver(trace);
        SplittableRandom random = new SplittableRandom(seed);
        Channel<Integer> channel = Channel.unbudgeted("uplink", 2, OverflowPolicy.DROP_NEWEST);
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
        Channel.Receiver<Integer> receiver = channel.receiver();
        @SuppressWarnings("unchecked") Timeout<Integer>[] wait = new Timeout[1];
        int[] timeouts = {0};
        executor.spawn("consumer", Future.<Void>of((cx, out) -> {
            while (timeouts[0] < 3) {
                if (wait[0] == null) wait[0] = Timeout.after(7_000_000L, receiver.recv());
                if (wait[0].poll(cx) == Poll.PENDING) return Poll.PENDING;
                if (wait[0].timedOut()) timeouts[0]++;
                wait[0] = null;
            }
            return Poll.READY;
        }));
        executor.runUntil(() -> executor.liveTasks() == 0);
        return trace;
    }

    private static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }

    @Test
    void shouldGiveTheSameDigestForTheSameSeed() {
        StringBuilder first = new StringBuilder();
        StringBuilder second = new StringBuilder();

        String a = run(42, first, null).digestHex();
        String b = run(42, second, null).digestHex();

        assertThat(a).isEqualTo(b).hasSize(64);
        assertThat(first.toString()).isEqualTo(second.toString());
        assertThat(run(43, new StringBuilder(), null).digestHex()).isNotEqualTo(a);
    }

    @Test
    void shouldGiveTheSameDigestWithOrWithoutJsonLines() {
        String withLines = run(42, new StringBuilder(), null).digestHex();

        assertThat(run(42, null, null).digestHex()).isEqualTo(withLines);
    }

    @Test
    void shouldRenderExactlyTheJsonLinesTheLineRecorderWrote() throws Exception {
        StringBuilder lines42 = new StringBuilder();
        StringBuilder lines7 = new StringBuilder();
        run(42, lines42, null);
        run(7, lines7, null);

        assertThat(sha256(lines42.toString().getBytes(StandardCharsets.UTF_8))).isEqualTo(JSON_LINES_SHA256_SEED_42);
        assertThat(sha256(lines7.toString().getBytes(StandardCharsets.UTF_8))).isEqualTo(JSON_LINES_SHA256_SEED_7);
    }

    @Test
    void shouldWriteCanonicalJsonLines() {
        StringBuilder lines = new StringBuilder();
        run(7, lines, null);

        assertThat(lines.toString().lines().findFirst()).contains("{\"t\":0,\"ex\":\"dev-7\",\"e\":\"spawn\",\"task\":\"producer0#0.0\"}");
        assertThat(lines.toString()).contains("\"e\":\"wake\",\"task\":\"producer0#0.0\",\"src\":\"timer\"")
                .contains("\"e\":\"pend\",\"task\":\"producer0#0.0\",\"on\":\"timer until 0.017000 s (0.017 s left) [waker: timer]\",\"holders\":1}")
                .contains("\"on\":\"timeout(0.007 s, 0.0 s left) [waker: timer] -> an item in channel 'uplink' [waker: channel 'uplink']\"")
                .contains("{\"t\":7000000,\"ex\":\"dev-7\",\"e\":\"cancel\",\"task\":\"consumer#3.0\",\"on\":\"RecvFuture\"}");
    }

    @Test
    void shouldRenderTheRecordsOfAWholeRunAsTheLinesItWrote() {
        StringBuilder lines = new StringBuilder();
        ByteArrayOutputStream records = new ByteArrayOutputStream();
        TraceRecorder trace = run(42, lines, records);
        trace.digestHex(); // writes the last block
        StringBuilder rendered = new StringBuilder();

        TraceRecords.toJsonLines(records.toByteArray(), rendered);

        assertThat(rendered.toString()).isEqualTo(lines.toString());
        assertThat(rendered.toString().lines().count()).isEqualTo(trace.events());
        // A third of the lines or less (here 8.9 kB against 31.7 kB): fewer bytes for SHA-256 in a fleet.
        assertThat(records.size() * 3L).isLessThan(lines.length());
    }

    @Test
    void shouldDigestExactlyTheRecordsItWritesWhateverTheNames() throws Exception {
        String[] names = {"plain", "quote\"and\\slash", "tab\tnewline\n", "caf\u00e9", "\u20ac-sign", "emoji-\ud83d\ude80", "lone-\ud83d-surrogate"};
        StringBuilder lines = new StringBuilder();
        ByteArrayOutputStream records = new ByteArrayOutputStream();
        Executor executor = Executor.builder("ex-\u00fc").clock(new VirtualClock()).taskCapacity(8).build();
        TraceRecorder trace = new TraceRecorder(executor.name(), lines, records);
        executor.addObserver(trace);
        for (String name : names) executor.spawn(name, Futures.of(cx -> Poll.READY));
        executor.runUntil(() -> executor.liveTasks() == 0);
        trace.onNote(null, "note", "\u00e9t\u00e9 \ud83d\ude80", -42);
        trace.warning(5, "long-poll", "plain#0", "a \"long\" poll");

        String digest = trace.digestHex();
        StringBuilder rendered = new StringBuilder();
        TraceRecords.toJsonLines(records.toByteArray(), rendered);

        assertThat(digest).isEqualTo(sha256(records.toByteArray()));
        assertThat(rendered.toString()).isEqualTo(lines.toString());
        assertThat(lines.toString()).contains("\"task\":\"quote\\\"and\\\\slash#1.0\"", "tab\\u0009newline\\u000a", "\"t\":-42")
                .contains("emoji-\ud83d\ude80", "lone-?-surrogate", "\"ex\":\"ex-\u00fc\"")
                .contains("{\"t\":-42,\"ex\":\"ex-\u00fc\",\"e\":\"note\",\"on\":\"\u00e9t\u00e9 \ud83d\ude80\"}")
                .contains("{\"t\":5,\"ex\":\"ex-\u00fc\",\"e\":\"warn\",\"kind\":\"long-poll\",\"task\":\"plain#0\",\"msg\":\"a \\\"long\\\" poll\"}");
    }

    /**
     * Strings are written from a cache shared by every recorder. Records must be the same bytes whether a
     * string was encoded (the cache cold, or its entry held by another string: "Aa" and "BB" have one
     * hash; or too long to be kept) or copied from the cache (a second recorder of the same events, every
     * entry warm, reached through equal strings that are not the cached instances), across block
     * boundaries (names of 63 and 305 chars).
     */
    @Test
    void shouldWriteTheSameRecordsWhetherAStringComesFromTheCacheOrNot() throws Exception {
        String[] names = {"uplink", "sampler", "Aa", "BB", "caf\u00e9-" + "x".repeat(300), "token-refresh", "emoji-\ud83d\ude80",
            "caf\u00e9-" + "y".repeat(58)};
        TraceStream.clearStringCache();
        ByteArrayOutputStream encodedRecords = new ByteArrayOutputStream();
        TraceRecorder encoded = new TraceRecorder("meter", null, encodedRecords);
        record(encoded, names);
        ByteArrayOutputStream cachedRecords = new ByteArrayOutputStream();
        TraceRecorder cached = new TraceRecorder("meter", null, cachedRecords);
        String[] copies = new String[names.length];
        for (int i = 0; i < names.length; i++) copies[i] = new String(names[i]);
        record(cached, copies);

        assertThat(cached.digestHex()).isEqualTo(encoded.digestHex());
        assertThat(cachedRecords.toByteArray()).isEqualTo(encodedRecords.toByteArray());
        StringBuilder lines = new StringBuilder();
        TraceRecords.toJsonLines(cachedRecords.toByteArray(), lines);
        assertThat(lines.toString()).contains("\"task\":\"sampler#1.0\"", "\"task\":\"BB#3.0\"", "\"task\":\"Aa#2.0\"",
                "\"src\":\"emoji-\ud83d\ude80\"", "\"on\":\"caf\u00e9-xxx");
    }

    /**
     * A fleet boots its devices first, each naming itself, and only then do the strings of every reading
     * come, thousands of times, among the devices' own names: those must not keep the slots. Recorded
     * into one stream: 5,000 device names, then each reading's three strings with another device name
     * each time. The reading's strings are encoded a few times at most, then copied.
     */
    @Test
    void shouldKeepTheStringsEveryReadingWritesOverNamesMetOnce() {
        TraceStream.clearStringCache();
        TraceStream stream = TraceStream.shared(null);
        TraceRecorder recorder = new TraceRecorder(stream, "fleet", null);
        for (int n = 0; n < 5_000; n++) recorder.onNote(null, "boot", "meter-" + n, n);
        long afterBoot = stream.stringsEncoded();
        for (int n = 0; n < 5_000; n++) {
            recorder.onWake(view("uplink", 3), () -> "channel 'uplink'", false, n);
            recorder.onNote(null, "chan.empty", "mqtt:meter-" + n, n);
        }

        assertThat(afterBoot).as("the header, \"boot\" once, every device name").isEqualTo(5_002L);
        assertThat(stream.stringsEncoded() - afterBoot).as("strings encoded after the boot").isLessThan(5_000L + 50);
    }

    /**
     * A device's own wake sources (its MQTT session, {@code mqtt:meter-7}, and itself) come in every reading's records,
     * and the shared cache does not keep them when their slots hold strings met more often. The recorder keeps the
     * bytes of its last two own strings: the same {@code String} again is written from them, not encoded again, and
     * the lines name each source right, also while three take turns and each pushes out the oldest.
     */
    @Test
    void shouldWriteADevicesOwnStringsFromTheirKeptBytesWhileTheSharedSlotsAreHeld() throws Exception {
        String own = "mqtt:meter-7";
        String other = "device:meter-7";
        String third = "mqtt:meter-9";
        TraceStream.clearStringCache();
        ByteArrayOutputStream records = new ByteArrayOutputStream();
        TraceStream stream = TraceStream.shared(records);
        TraceRecorder recorder = new TraceRecorder(stream, "meter", null);
        for (int i = 0; i < 15; i++) { // every slot held
            recorder.onNote(null, collidingWith(own), collidingWith(other), i);
            recorder.onNote(null, collidingWith(third), collidingWith(third), i);
        }
        long before = stream.stringsEncoded();
        String[] sources = new String[50];
        for (int i = 0; i < sources.length; i++) {
            sources[i] = i < 20 ? own : i < 40 ? (i % 2 == 0 ? own : other) : new String[] {own, other, third}[i % 3];
        }
        for (int i = 0; i < sources.length; i++) {
            String source = sources[i];
            recorder.onWake(view("uplink", 3), () -> source, false, 100 + i);
        }
        long encodings = stream.stringsEncoded() - before;
        recorder.digestHex();

        StringBuilder lines = new StringBuilder();
        TraceRecords.toJsonLines(records.toByteArray(), lines);
        java.util.List<String> named = lines.toString().lines().filter(l -> l.contains("\"e\":\"wake\""))
                .map(l -> l.substring(l.indexOf("\"src\":\"") + 7, l.indexOf('"', l.indexOf("\"src\":\"") + 7))).toList();
        assertThat(named).containsExactly(sources);
        // "uplink" once, own and other once each while two take turns; as three take turns (from other, still kept),
        // each of the nine after it pushes out the one that comes next
        assertThat(encodings).isEqualTo(1 + 1 + 1 + 9L);
    }

    /** A string that takes the same shared cache slot as {@code name}. */
    private static String collidingWith(String name) {
        for (int i = 0; ; i++) {
            String candidate = "held-" + i;
            if ((candidate.hashCode() & 2047) == (name.hashCode() & 2047) && !candidate.equals(name)) return candidate;
        }
    }

    /**
     * A string first met (so encoded and kept) in a record that runs past the block's end, which moves
     * the record to the block's start while the string is being written: what the cache keeps must be
     * the string's bytes, not whatever lies where the record began. Tried at every start position.
     */
    @Test
    void shouldKeepTheRightBytesOfAStringEncodedWhileItsRecordMoves() throws Exception {
        String kind = "kind-" + "k".repeat(59);
        String subject = "subject-" + "s".repeat(56);
        for (int before = 0; before < 64; before++) {
            TraceStream.clearStringCache();
            ByteArrayOutputStream encoded = new ByteArrayOutputStream();
            notesAfter(new TraceRecorder("meter", null, encoded), before, kind, subject);
            ByteArrayOutputStream cached = new ByteArrayOutputStream();
            notesAfter(new TraceRecorder("meter", null, cached), before, new String(kind), new String(subject));
            assertThat(cached.toByteArray()).as("after %d short notes", before).isEqualTo(encoded.toByteArray());
        }
    }

    private static void notesAfter(TraceRecorder recorder, int before, String kind, String subject) {
        for (int i = 0; i < before; i++) recorder.onNote(null, "n", "", i);
        recorder.onNote(null, kind, subject, before);
        recorder.onNote(null, kind, subject, before + 1);
        recorder.digestHex(); // writes the last block
    }

    /** Each name first as a task's (its poll), then as a wake's source and a note's subject, in a few hundred records. */
    private static void record(TraceRecorder recorder, String[] names) {
        for (int i = 0; i < 300; i++) {
            String name = names[i % names.length];
            recorder.onPollStart(view(name, i % names.length), i, i);
            String source = names[(i + 3) % names.length];
            recorder.onWake(view(name, i % names.length), () -> source, false, i);
            recorder.onNote(null, "note", names[(i + 4) % names.length], i);
        }
    }

    private static dev.storyloop.device.exec.TaskView view(String name, int slot) {
        return new dev.storyloop.device.exec.TaskView() {
            @Override public String name() { return name; }
            @Override public int slot() { return slot; }
            @Override public int generation() { return 0; }
            @Override public State state() { return State.RUNNING; }
            @Override public Object waitingOn() { return null; }
            @Override public int wakerHolders() { return 0; }
            @Override public long polls() { return 0; }
            @Override public long sinceNanos() { return 0; }
        };
    }

    /**
     * A world's executors share one stream: the records rendered from it are the lines their recorders
     * wrote, in the order they happened, each under its own executor's name (a switch record before a
     * record of another executor than the last one's, a header for each executor opened mid-stream).
     */
    @Test
    void shouldRenderASharedStreamAsTheLinesOfEveryExecutorInOrder() throws Exception {
        StringBuilder lines = new StringBuilder();
        ByteArrayOutputStream records = new ByteArrayOutputStream();
        TraceStream stream = TraceStream.shared(records);
        TraceRecorder a = new TraceRecorder(stream, "meter-a", lines);
        a.onTimersFired(1, 10);
        TraceRecorder b = new TraceRecorder(stream, "meter-b", lines); // opened after a's first record
        b.onTimersFired(2, 5); // earlier than the record before it: a device's time is its own
        a.onPollStart(view("sampler", 2), 10, 20);
        a.onNote(null, "note", "x".repeat(5000), 20); // longer than a block
        b.onPollStart(view("uplink", 3), 5, 30);
        b.onTimersFired(3, 30);
        TraceRecorder c = new TraceRecorder(stream, "meter-c", lines);
        a.onTimersFired(4, 40);
        c.onTimersFired(5, 40);

        String digest = stream.digestHex();
        StringBuilder rendered = new StringBuilder();
        TraceRecords.toJsonLines(records.toByteArray(), rendered);

        assertThat(rendered.toString()).isEqualTo(lines.toString());
        assertThat(digest).isEqualTo(sha256(records.toByteArray())).isEqualTo(a.digestHex());
        assertThat(lines.toString().lines().map(l -> l.substring(0, l.indexOf(",\"e\""))).toList()).containsExactly(
                "{\"t\":10,\"ex\":\"meter-a\"", "{\"t\":5,\"ex\":\"meter-b\"", "{\"t\":20,\"ex\":\"meter-a\"",
                "{\"t\":20,\"ex\":\"meter-a\"", "{\"t\":30,\"ex\":\"meter-b\"", "{\"t\":30,\"ex\":\"meter-b\"",
                "{\"t\":40,\"ex\":\"meter-a\"", "{\"t\":40,\"ex\":\"meter-c\"");
        assertThat(a.events()).isEqualTo(4);
        assertThat(b.events()).isEqualTo(3);
    }

    /** Which executor a record belongs to is in the digest: the same records from the other executor digest otherwise. */
    @Test
    void shouldDigestWhichExecutorWroteEachRecordOfASharedStream() {
        TraceStream first = TraceStream.shared(null);
        TraceRecorder a1 = new TraceRecorder(first, "a", null);
        TraceRecorder b1 = new TraceRecorder(first, "b", null);
        a1.onTimersFired(1, 10);
        b1.onTimersFired(1, 10);
        TraceStream second = TraceStream.shared(null);
        TraceRecorder a2 = new TraceRecorder(second, "a", null);
        TraceRecorder b2 = new TraceRecorder(second, "b", null);
        b2.onTimersFired(1, 10);
        a2.onTimersFired(1, 10);

        assertThat(first.digestHex()).isNotEqualTo(second.digestHex());
    }

    /** A stream of one executor is byte for byte what a recorder of its own writes, so its digest is the same. */
    @Test
    void shouldWriteTheSameBytesForOneExecutorInASharedStream() {
        ByteArrayOutputStream own = new ByteArrayOutputStream();
        String ownDigest = run(42, null, own).digestHex();
        ByteArrayOutputStream shared = new ByteArrayOutputStream();
        String sharedDigest = run(42, null, null, TraceStream.shared(shared)).digestHex();

        assertThat(sharedDigest).isEqualTo(ownDigest);
        assertThat(shared.toByteArray()).isEqualTo(own.toByteArray());
    }

    @Test
    void shouldDigestTheExecutorsName() {
        TraceRecorder a = TraceRecorder.digestOnly("a");
        TraceRecorder b = TraceRecorder.digestOnly("b");
        a.onTimersFired(1, 10);
        b.onTimersFired(1, 10);

        assertThat(a.digestHex()).isNotEqualTo(b.digestHex());
    }

    @Test
    void shouldRefuseBytesThatAreNotATrace() {
        assertThatThrownBy(() -> TraceRecords.toJsonLines(new byte[] {5, 0}, new StringBuilder()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no header record");
        assertThatThrownBy(() -> TraceRecords.toJsonLines(new byte[] {0, 0, 1, 'x', 1, 0}, new StringBuilder()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("ends inside a record");
        assertThatThrownBy(() -> TraceRecords.toJsonLines(new byte[] {0, 0, 1, 'x', 99, 0}, new StringBuilder()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("kind 99");
        assertThatThrownBy(() -> TraceRecords.toJsonLines(new byte[] {0, 0, 1, 'x', 14, 1, 10, 0, 1}, new StringBuilder()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("a switch to executor 1 of 1 named at offset 4");
        byte[] switchToMinusOne = {0, 0, 1, 'x', 14, -1, -1, -1, -1, -1, -1, -1, -1, -1, 1, 10, 0, 1}; // a ten-byte varint: -1
        assertThatThrownBy(() -> TraceRecords.toJsonLines(switchToMinusOne, new StringBuilder()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("a switch to executor -1 of 1 named at offset 4");
    }
}
