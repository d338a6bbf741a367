package dev.storyloop.cli;

import picocli.CommandLine.Option;

/** The {@code --check-determinism} option that {@code run} and {@code swarm} share. */
final class DeterminismOption {
    @Option(names = "--check-determinism",
            description = "Run each seed twice, side by side, compare the traces event by event and then the metrics, and name the first "
                    + "event that differs (its index and both lines), or say identical with the digest. Checks no claims and writes no results.")
    boolean enabled;
}
