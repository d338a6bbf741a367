package dev.storyloop.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Where the story folders are: the option every command that finds stories by name shares. */
final class StoriesRootOption {
    @Option(names = "--stories", defaultValue = "stories", description = "Where the story folders are (default: ${DEFAULT-VALUE}).")
    Path root;
}
