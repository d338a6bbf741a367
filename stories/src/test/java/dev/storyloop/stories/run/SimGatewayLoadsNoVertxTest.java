package dev.storyloop.stories.run;

import dev.storyloop.device.firmware.Device;
import dev.storyloop.device.firmware.FirmwareConfig;
import dev.storyloop.device.hal.SimBoard;
import dev.storyloop.device.sim.BrokerLimits;
import dev.storyloop.device.sim.LinkProfile;
import dev.storyloop.device.sim.SimTransport;
import dev.storyloop.device.sim.SimWorld;
import dev.storyloop.gateway.core.GatewayConfig;
import dev.storyloop.gateway.core.GatewayCore;
import dev.storyloop.gateway.core.Keyring;
import dev.storyloop.gateway.core.Outbox;
import org.junit.jupiter.api.Test;

import java.io.File;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The simulated gateway runs the gateway's core and connection policy without Vert.x: driven in a
 * class loader of its own that records every class it is asked for, a run (connect, subscribe,
 * telemetry, a stop and a start, ticks) asks for no Vert.x or Netty class, and its source names no
 * Vert.x shell.
 */
class SimGatewayLoadsNoVertxTest {

    @Test
    void shouldRunTheSimulatedGatewayWithoutLoadingVertx() throws Exception {
        RecordingLoader loader = new RecordingLoader();
        Callable<?> run = (Callable<?>) loader.loadClass(Run.class.getName()).getDeclaredConstructor().newInstance();
        assertThat((Long) run.call()).as("telemetry reached the simulated gateway's core").isPositive();
        assertThat(loader.asked).as("the run went through the recording loader")
                .contains(SimGateway.class.getName(), GatewayCore.class.getName(), "dev.storyloop.gateway.core.GatewayConnection");
        assertThat(loader.asked).filteredOn(name -> name.startsWith("io.vertx.") || name.startsWith("io.netty.")).isEmpty();
    }

    @Test
    void shouldSeeVertxWhenAGatewayShellIsLoaded() throws Exception {
        // The check above can fail: loading the Vert.x verticle through the same kind of loader records Vert.x.
        RecordingLoader loader = new RecordingLoader();
        Class.forName("dev.storyloop.gateway.mqtt.GatewayVerticle", true, loader);
        assertThat(loader.asked).anyMatch(name -> name.startsWith("io.vertx."));
    }

    @Test
    void shouldNameNoVertxShellInTheSimulatedGatewaysSource() throws Exception {
        // A compile-time constant of a Vert.x shell would be inlined and never load its class, so the source is checked too.
        String source = Files.readString(Path.of("src/main/java/dev/storyloop/stories/run/SimGateway.java"));
        assertThat(source).doesNotContain("io.vertx", "dev.storyloop.gateway.mqtt", "dev.storyloop.gateway.http", "GatewayVerticle");
    }

    /** A simulated gateway, a device and a broker for five simulated seconds; returns the telemetry frames the gateway accepted. */
    public static final class Run implements Callable<Long> {
        @Override
        public Long call() {
            SimWorld world = new SimWorld(17, new BrokerLimits(20, 1000, false), LinkProfile.lan());
            SimGateway gateway = new SimGateway(world, new GatewayCore(GatewayConfig.defaults().withMaxDevices(4).withEpoch(1),
                    Keyring.development(), Outbox.NONE), 0);
            world.runFor(20_000_000L);
            FirmwareConfig firmware = FirmwareConfig.builder("pi-1").seed(17).samplePeriodNanos(100_000_000L).build();
            Device device = Device.boot(firmware, world.clock(), new SimTransport(world, "pi-1"), new SimBoard(world.clock()));
            world.add(device.executor());
            device.start();
            world.runFor(2_000_000_000L);
            gateway.stop();
            world.runFor(500_000_000L);
            gateway.start();
            world.runFor(2_500_000_000L);
            return gateway.core().telemetryAccepted();
        }
    }

    /** Loads the test class path itself (not from the application loader) and records every class name asked of it. */
    static final class RecordingLoader extends URLClassLoader {
        final Set<String> asked = new TreeSet<>();

        RecordingLoader() throws MalformedURLException {
            super(classPath(), ClassLoader.getPlatformClassLoader());
        }

        @Override
        protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
            synchronized (getClassLoadingLock(name)) {
                asked.add(name);
                return super.loadClass(name, resolve);
            }
        }

        private static URL[] classPath() throws MalformedURLException {
            List<URL> urls = new ArrayList<>();
            for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) urls.add(new File(entry).toURI().toURL());
            return urls.toArray(new URL[0]);
        }
    }
}
