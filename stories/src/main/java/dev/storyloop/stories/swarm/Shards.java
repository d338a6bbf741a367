package dev.storyloop.stories.swarm;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Swarms larger than a machine: a seed range cut into N shards that run anywhere (a Kubernetes
 * Indexed Job's pods, a CI matrix's jobs), each writing its verdicts as JSON, and the merge that
 * checks the shards cover the range exactly once and combines them into what one run of the whole
 * range would have reported.
 */
public final class Shards {
    /** The format of a result file; a merge refuses any other. */
    public static final String FORMAT = "storyloop-swarm-result/1";
    /** The most shards a range may be cut into. */
    public static final int SHARDS_MAX = 1_000_000;
    /** The largest result file a merge reads (a result lists at most 10,000 failing seeds and 20 failures). */
    public static final long FILE_BYTES_MAX = 4L * 1024 * 1024;
    /** The most files one merge reads. */
    public static final int FILES_MAX = SHARDS_MAX;
    private static final Pattern SHARD = Pattern.compile("(\\d{1,7})/(\\d{1,7})");
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private Shards() {}

    /** Shard {@code index} of {@code of}, counted from 0 (a Kubernetes Indexed Job's completion index is). */
    public record Shard(int index, int of) {
        public Shard {
            if (of < 1 || of > SHARDS_MAX) throw new IllegalArgumentException("the shard count must be 1.." + SHARDS_MAX + ", got " + of);
            if (index < 0 || index >= of) throw new IllegalArgumentException("the shard index must be 0.." + (of - 1) + ", got " + index);
        }

        /** Parses {@code I/N}, e.g. {@code 0/4}. */
        public static Shard parse(String text) {
            Matcher m = SHARD.matcher(text.strip());
            if (!m.matches()) throw new IllegalArgumentException("a shard is I/N with 0 <= I < N, e.g. 0/4; got '" + text + "'");
            return new Shard(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)));
        }

        /** This shard's first seed: the range is cut into contiguous shares whose sizes differ by at most one. */
        public long from(long rangeFrom, long rangeCount) {
            return rangeFrom + share(rangeCount, index);
        }

        /** How many seeds this shard runs. */
        public long count(long rangeCount) {
            return share(rangeCount, index + 1) - share(rangeCount, index);
        }

        /** The seeds before shard {@code i}: floor(i * count / of), computed so that no product overflows. */
        private long share(long rangeCount, int i) {
            return rangeCount / of * i + rangeCount % of * i / of;
        }

        @Override
        public String toString() {
            return index + "/" + of;
        }
    }

    /** A failing seed in full: what it drew and every invariant it failed. */
    public record Failure(long seed, String world, List<String> invariants, List<String> violations) {
        static Failure of(Swarm.Verdict v) {
            return new Failure(v.world().seed(), v.world().summary(), v.violations().stream().map(Invariants.Violation::id).toList(),
                    v.violations().stream().map(Invariants.Violation::message).toList());
        }
    }

    /**
     * What a swarm run wrote: the whole range it is a part of, which part (shard {@code shard} of {@code shards}; 0 of 1
     * for an unsharded run), the seeds it ran, the failures (failing seeds lowest first, at most
     * {@link SwarmRun#FAILING_SEEDS_KEPT}; the first {@link SwarmRun#FAILURES_KEPT} in full), and its simulated and wall time.
     */
    public record Result(String format, String version, long rangeFrom, long rangeCount, int shard, int shards, long from, long count,
                         String planted, long seeds, long failed, List<Long> failingSeeds, List<Failure> failures, double simulatedSeconds,
                         double wallSeconds) {
        public Result {
            failingSeeds = List.copyOf(failingSeeds);
            failures = List.copyOf(failures);
        }

        /** Whether every failing seed is listed (a run lists at most {@link SwarmRun#FAILING_SEEDS_KEPT}). */
        public boolean allFailingSeedsListed() {
            return failingSeeds.size() == failed;
        }

        /** The same result without its timings: two runs of the same seeds give equal verdicts. */
        public Result verdicts() {
            return new Result(format, "", rangeFrom, rangeCount, shard, shards, from, count, planted, seeds, failed, failingSeeds, failures, 0, 0);
        }
    }

    /** The result of {@code report}, a run of {@code shard}'s share of the range. */
    public static Result result(SwarmRun.Report report, long rangeFrom, long rangeCount, Shard shard, String planted, String version) {
        return new Result(FORMAT, version, rangeFrom, rangeCount, shard.index(), shard.of(), shard.from(rangeFrom, rangeCount),
                shard.count(rangeCount), planted, report.seeds(), report.failed(), report.failingSeeds(),
                report.failures().stream().map(Failure::of).toList(), report.simulatedSeconds(), report.wallNanos() / 1e9);
    }

    public static void write(Path file, Result result) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) Files.createDirectories(parent);
        Path partial = file.resolveSibling(file.getFileName() + ".partial");
        JSON.writeValue(partial.toFile(), result);
        Files.move(partial, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING); // a reader never sees half a file
    }

    /** Reads a result file; a file that is not one (too large, not JSON, another format) is an exception naming the file. */
    public static Result read(Path file) throws IOException {
        if (Files.size(file) > FILE_BYTES_MAX) throw new IOException(file + ": larger than " + FILE_BYTES_MAX + " bytes; not a swarm result");
        Result result;
        try {
            result = JSON.readValue(file.toFile(), Result.class);
        } catch (JsonProcessingException e) {
            throw new IOException(file + ": not a swarm result: " + e.getOriginalMessage(), e);
        }
        if (!FORMAT.equals(result.format())) throw new IOException(file + ": format '" + result.format() + "', expected '" + FORMAT + "'");
        return result;
    }

    /** A merge: the combined result (an unsharded run's, when {@code problems} is empty) and what keeps the shards from fitting. */
    public record Merged(Result result, List<String> problems) {
        public boolean complete() {
            return problems.isEmpty();
        }
    }

    /**
     * Merges {@code results} (named by {@code names}, for the messages): they must be parts of one range with the same
     * planted firmware, each complete, and cover the range exactly once; every gap and overlap is named by its seeds.
     */
    public static Merged merge(List<String> names, List<Result> results) {
        if (results.isEmpty()) throw new IllegalArgumentException("no results to merge");
        List<String> problems = new ArrayList<>();
        Result first = results.get(0);
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < results.size(); i++) {
            Result r = results.get(i);
            order.add(i);
            if (r.rangeFrom() != first.rangeFrom() || r.rangeCount() != first.rangeCount()) {
                problems.add(names.get(i) + ": part of seeds " + range(r.rangeFrom(), r.rangeCount()) + ", but " + names.get(0) + " of seeds "
                        + range(first.rangeFrom(), first.rangeCount()));
            }
            if (!r.planted().equals(first.planted())) {
                problems.add(names.get(i) + ": planted '" + r.planted() + "', but " + names.get(0) + " '" + first.planted() + "'");
            }
            if (r.seeds() != r.count()) problems.add(names.get(i) + ": ran " + r.seeds() + " of its " + r.count() + " seeds");
            if (!r.version().equals(first.version())) {
                // Another build may draw or run other worlds from the same seeds: its verdicts are not part of this run.
                problems.add(names.get(i) + ": made by storyloop " + r.version() + ", but " + names.get(0) + " by " + first.version());
            }
        }
        order.sort(Comparator.comparingLong((Integer i) -> results.get(i).from()).thenComparingInt(i -> i));
        long cursor = first.rangeFrom();
        long end = first.rangeFrom() + first.rangeCount();
        String previous = null;
        for (int i : order) {
            Result r = results.get(i);
            long rEnd = r.from() + r.count();
            if (r.from() > cursor) problems.add("gap: seeds " + span(cursor, Math.min(r.from(), end)) + " are in no shard");
            if (r.from() < cursor && previous != null) {
                problems.add("overlap: seeds " + span(r.from(), Math.min(cursor, rEnd)) + " are in both " + previous + " and " + names.get(i));
            }
            if (rEnd > end || r.from() < first.rangeFrom()) problems.add(names.get(i) + ": seeds " + range(r.from(), r.count()) + " reach outside "
                    + range(first.rangeFrom(), first.rangeCount()));
            if (rEnd > cursor) previous = names.get(i);
            cursor = Math.max(cursor, rEnd);
        }
        if (cursor < end) problems.add("gap: seeds " + span(cursor, end) + " are in no shard");

        long seeds = 0, failed = 0;
        double simulated = 0, wall = 0;
        TreeSet<Long> failing = new TreeSet<>();
        List<Failure> failures = new ArrayList<>();
        for (Result r : results) {
            seeds += r.seeds();
            failed += r.failed();
            simulated += r.simulatedSeconds();
            wall += r.wallSeconds();
            failing.addAll(r.failingSeeds());
            failures.addAll(r.failures());
        }
        while (failing.size() > SwarmRun.FAILING_SEEDS_KEPT) failing.pollLast();
        failures.sort(Comparator.comparingLong(Failure::seed));
        List<Failure> kept = failures.subList(0, Math.min(failures.size(), SwarmRun.FAILURES_KEPT));
        Result merged = new Result(FORMAT, first.version(), first.rangeFrom(), first.rangeCount(), 0, 1, first.rangeFrom(), first.rangeCount(),
                first.planted(), seeds, failed, List.copyOf(failing), List.copyOf(kept), simulated, wall);
        return new Merged(merged, List.copyOf(problems));
    }

    private static String range(long from, long count) {
        return span(from, from + count);
    }

    /** Seeds {@code from} up to {@code end} (exclusive), as people write a range: "5..9" or "5". */
    private static String span(long from, long end) {
        return end - from == 1 ? Long.toString(from) : String.format(Locale.ROOT, "%d..%d", from, end - 1);
    }
}
