package dev.storyloop.cli;

import dev.storyloop.device.diag.LostWakerReport;
import dev.storyloop.stories.WakerDemo;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code storyloop demo}: the README's main command.
 *
 * <p>Until the story runner lands it runs {@link WakerDemo}, the lost wake-up of the first story,
 * on the real executor in virtual time: the buggy firmware and the fixed one, side by side.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Reproduces a lost wake-up on the simulated device, then shows the fixed firmware.")
final class DemoCommand implements Callable<Integer> {

    @Option(names = "--seed", description = "PRNG seed of the run (default: ${DEFAULT-VALUE}).", defaultValue = "1")
    long seed;

    @Option(names = "--minutes", description = "Simulated minutes to run (default: ${DEFAULT-VALUE}).", defaultValue = "10")
    long minutes;

    @Override
    public Integer call() {
        if (minutes <= 0 || minutes > 24 * 60) {
            System.err.println("storyloop demo: --minutes must be between 1 and 1440, got " + minutes);
            return 2;
        }
        PrintStream out = System.out;
        long duration = minutes * 60_000_000_000L;
        WakerDemo.Result buggy = WakerDemo.run(seed, false, duration);
        WakerDemo.Result fixed = WakerDemo.run(seed, true, duration);

        out.println("storyloop demo: Barbara's token refresh, " + minutes + " simulated minutes, seed " + seed);
        out.println();
        out.print(buggy.memoryMap());
        out.println();
        out.println("Buggy firmware (the refresh-from-source-of-truth path never hands over its waker):");
        for (LostWakerReport report : buggy.lostWakers()) out.println("  " + report);
        out.println();
        out.print(indent(buggy.dump()));
        out.println();
        out.printf(Locale.ROOT, "%-34s %12s %12s%n", "", "buggy", "fixed");
        row(out, "readings sampled", buggy.sampled(), fixed.sampled());
        row(out, "readings published", buggy.published(), fixed.published());
        row(out, "token refreshes", buggy.refreshes(), fixed.refreshes());
        row(out, "sampler waits on a full queue", buggy.sendWaits(), fixed.sendWaits());
        row(out, "lost-waker reports", buggy.lostWakers().size(), fixed.lostWakers().size());
        out.printf(Locale.ROOT, "%-34s %12s %12s%n", "trace digest (first 12 hex)",
                buggy.traceDigest().substring(0, 12), fixed.traceDigest().substring(0, 12));
        out.println();
        out.println("Same seed, same numbers: ./storyloop demo --seed " + seed + " --minutes " + minutes);
        return 0;
    }

    private static void row(PrintStream out, String label, long buggy, long fixed) {
        out.printf(Locale.ROOT, "%-34s %12d %12d%n", label, buggy, fixed);
    }

    private static String indent(String text) {
        return text.lines().map(line -> "  " + line + "\n").reduce("", String::concat);
    }
}
