package dev.storyloop.testsupport;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.model.ExposedPort;
import com.github.dockerjava.api.model.PortBinding;
import com.github.dockerjava.api.model.Ports;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.images.builder.Transferable;
import org.testcontainers.utility.DockerImageName;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;

/**
 * Mosquitto in a Testcontainers container ({@code eclipse-mosquitto:2}).
 *
 * <p>The host port is chosen up front and bound explicitly, so a container that is killed and
 * started again keeps it (an ephemeral mapping would change on every start). Mosquitto 2 refuses
 * clients from outside the container unless the config has {@code listener 1883} and says
 * whether anonymous clients are allowed; the generated config does both.
 */
public final class ContainerMosquitto implements MosquittoBroker {
    public static final String IMAGE = "eclipse-mosquitto:2";
    private static final int BROKER_PORT = 1883;
    private static final String CONFIG_DIR = "/mosquitto/config";
    private static final long START_TIMEOUT_MILLIS = 30_000;
    private static final int STOP_TIMEOUT_SECONDS = 5;

    private final GenericContainer<?> container;
    private final int hostPort;
    private final BoundedLog log = new BoundedLog(400);
    private boolean running;
    private boolean paused;

    private ContainerMosquitto(GenericContainer<?> container, int hostPort) {
        this.container = container;
        this.hostPort = hostPort;
    }

    public static ContainerMosquitto start(BrokerConfig config) {
        int hostPort;
        try {
            hostPort = LocalMosquitto.freePort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        // Users are written in plain text and hashed in place by the image's own mosquitto_passwd.
        String launch = (config.hasUsers() ? "mosquitto_passwd -U " + CONFIG_DIR + "/passwd && " : "")
                + "exec mosquitto -c " + CONFIG_DIR + "/mosquitto.conf";
        GenericContainer<?> container = new GenericContainer<>(DockerImageName.parse(IMAGE))
                .withExposedPorts(BROKER_PORT)
                .withCopyToContainer(Transferable.of(config.render(Integer.toString(BROKER_PORT), CONFIG_DIR, "/mosquitto/data")),
                        CONFIG_DIR + "/mosquitto.conf")
                .withCommand("sh", "-c", launch)
                .withCreateContainerCmdModifier(cmd -> cmd.getHostConfig().withPortBindings(new PortBinding(
                        Ports.Binding.bindIpAndPort("127.0.0.1", hostPort), ExposedPort.tcp(BROKER_PORT))))
                .waitingFor(Wait.forLogMessage(".*mosquitto version .* running.*", 1)
                        .withStartupTimeout(Duration.ofMillis(START_TIMEOUT_MILLIS)));
        if (config.hasAcl()) container.withCopyToContainer(Transferable.of(config.aclFile()), CONFIG_DIR + "/acl");
        if (config.hasUsers()) container.withCopyToContainer(Transferable.of(config.plainPasswordFile()), CONFIG_DIR + "/passwd");
        ContainerMosquitto broker = new ContainerMosquitto(container, hostPort);
        container.withLogConsumer(frame -> broker.log.add(frame.getUtf8StringWithoutLineEnding()));
        container.start();
        broker.running = true;
        return broker;
    }

    private DockerClient docker() {
        return DockerClientFactory.instance().client();
    }

    @Override public String host() { return "127.0.0.1"; }
    @Override public int port() { return hostPort; }
    @Override public String description() { return "container " + IMAGE + " on port " + hostPort; }
    @Override public boolean controllable() { return true; }
    @Override public synchronized boolean isRunning() { return running; }

    @Override
    public synchronized void stop() {
        if (!running) return;
        if (paused) resume();
        docker().stopContainerCmd(container.getContainerId()).withTimeout(STOP_TIMEOUT_SECONDS).exec();
        running = false;
    }

    @Override
    public synchronized void kill() {
        if (!running) return;
        docker().killContainerCmd(container.getContainerId()).withSignal("SIGKILL").exec();
        running = false;
        paused = false;
    }

    @Override
    public synchronized void restart() {
        stop();
        long before = countRunningAnnouncements();
        docker().startContainerCmd(container.getContainerId()).exec();
        running = true;
        // The log stream of the first start ended with it; read the container's log until it announces again.
        long deadline = System.nanoTime() + START_TIMEOUT_MILLIS * 1_000_000L;
        while (countRunningAnnouncements() <= before) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("mosquitto container did not restart in " + START_TIMEOUT_MILLIS + " ms:\n"
                        + container.getLogs());
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while restarting mosquitto", e);
            }
        }
    }

    private long countRunningAnnouncements() {
        return container.getLogs().lines().filter(line -> line.contains("mosquitto version") && line.endsWith(" running")).count();
    }

    @Override
    public synchronized void pause() {
        docker().pauseContainerCmd(container.getContainerId()).exec();
        paused = true;
    }

    @Override
    public synchronized void resume() {
        if (!paused) return;
        docker().unpauseContainerCmd(container.getContainerId()).exec();
        paused = false;
    }

    @Override
    public String recentLog() {
        return running ? container.getLogs() : log.text();
    }

    @Override
    public synchronized void close() {
        container.stop(); // removes the container, paused or not
        running = false;
    }
}
