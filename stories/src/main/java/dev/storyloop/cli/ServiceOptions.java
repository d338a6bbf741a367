package dev.storyloop.cli;

import picocli.CommandLine.Option;

/** What the long-running live processes ({@code device}, {@code gateway}) share: their broker and how long they serve. */
final class ServiceOptions {
    @Option(names = "--broker", required = true, description = "Broker URL, e.g. tcp://127.0.0.1:1883.")
    String broker;

    @Option(names = "--duration", converter = Units.DurationNanos.class, description = "Stop after this long instead of waiting for Ctrl-C.")
    Long durationNanos;
}
