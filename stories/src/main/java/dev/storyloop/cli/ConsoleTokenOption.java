package dev.storyloop.cli;

import picocli.CommandLine.Option;

/** The console's token: every command that can serve the console takes it. */
final class ConsoleTokenOption {
    @Option(names = "--console-token", description = "The token the console asks for when bound beyond loopback (default: a random one, printed).")
    String token;
}
