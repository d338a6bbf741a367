package dev.storyloop.cli;

import dev.storyloop.device.live.DeviceFleet;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/** How a live fleet is laid out and connected: the options {@code device} and {@code run --live} share. */
final class FleetOptions {
    @Option(names = "--loops",
            description = "Loop threads the devices' executors share, each device staying on one (default: the number of cores, at most the fleet's size).")
    Integer loops;

    @Option(names = "--connects-in-flight",
            description = "Devices connecting at the same time; the next starts when one has connected or failed (default: "
                    + DeviceFleet.Settings.CONNECTS_IN_FLIGHT_DEFAULT + ").")
    Integer connectsInFlight;

    @Option(names = "--connect-wait", converter = Units.DurationNanos.class,
            description = "How long the fleet may take to connect; the run then goes on with the devices that did, and says why the "
                    + "others did not (default: 30s).")
    Long connectWaitNanos;

    /** Whether any of the options was given (some commands take them only in one mode). */
    boolean given() {
        return loops != null || connectsInFlight != null || connectWaitNanos != null;
    }

    /** The settings for a fleet of {@code devices}, defaults filled in; a bad value is the user's error, named. */
    DeviceFleet.Settings settings(CommandLine cli, int devices) {
        DeviceFleet.Settings defaults = DeviceFleet.Settings.defaults();
        try {
            return new DeviceFleet.Settings(loops != null ? loops : Math.max(1, Math.min(devices, defaults.loops())),
                    connectsInFlight != null ? connectsInFlight : defaults.connectsInFlight(),
                    connectWaitNanos != null ? connectWaitNanos : defaults.connectWaitNanos());
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(cli, "--loops, --connects-in-flight, --connect-wait: " + e.getMessage());
        }
    }
}
