package dev.storyloop.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code storyloop} command line: one entry point, one subcommand per job. */
@Command(name = "storyloop",
        mixinStandardHelpOptions = true,
        versionProvider = StoryloopCli.Version.class,
        description = "Reproducible async embedded networking: simulated devices, an MQTT gateway, and stories whose claims are runs.",
        subcommands = {DemoCommand.class, RunCommand.class, ReplayCommand.class, MetricsCommand.class, SwarmCommand.class, NewCommand.class, DeviceCommand.class, GatewayCommand.class, CommandLine.HelpCommand.class})
public final class StoryloopCli implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The configured command line, shared by {@link #main} and the tests. */
    public static CommandLine commandLine() {
        return new CommandLine(new StoryloopCli());
    }

    /** The version the build stamped into the jar, or "dev" when run from classes. */
    static String version() {
        String version = StoryloopCli.class.getPackage().getImplementationVersion();
        return version == null ? "dev" : version;
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"storyloop " + version()};
        }
    }
}
