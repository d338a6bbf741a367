package dev.storyloop.testsupport;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/** A mosquitto process the fixture spawns on a free 127.0.0.1 port with a generated config. */
public final class LocalMosquitto implements MosquittoBroker {
    private static final String HOST = "127.0.0.1";
    private static final int LOG_CAPACITY_LINES = 400;
    private static final long START_TIMEOUT_MILLIS = 10_000;
    private static final long STOP_TIMEOUT_MILLIS = 5_000;

    private final Path binary;
    private final Path dir;
    private final int port;
    private final BoundedLog log = new BoundedLog(LOG_CAPACITY_LINES);
    private Process process;
    private long starts;
    private boolean paused;

    private LocalMosquitto(Path binary, Path dir, int port) {
        this.binary = binary;
        this.dir = dir;
        this.port = port;
    }

    /** Writes the config into a fresh temp folder and starts the broker; returns once it accepts connections. */
    public static LocalMosquitto start(Path binary, BrokerConfig config) {
        try {
            Path dir = Files.createTempDirectory("storyloop-mosquitto-");
            int port = freePort();
            // Started as root, mosquitto drops to user "mosquitto", which cannot read our private temp folder;
            // naming the current user keeps it as it is (the line is ignored when not started as root).
            String conf = config.render(port + " " + HOST, dir.toString()) + "user " + System.getProperty("user.name") + "\n";
            Files.writeString(dir.resolve("mosquitto.conf"), conf);
            if (config.hasAcl()) Files.writeString(dir.resolve("acl"), config.aclFile());
            if (config.hasUsers()) hashPasswords(binary, dir, config);
            LocalMosquitto broker = new LocalMosquitto(binary, dir, port);
            broker.launch();
            return broker;
        } catch (IOException e) {
            throw new UncheckedIOException("could not prepare a local mosquitto", e);
        }
    }

    private static void hashPasswords(Path binary, Path dir, BrokerConfig config) throws IOException {
        Path passwd = dir.resolve("passwd");
        Files.writeString(passwd, config.plainPasswordFile());
        Path tool = binary.resolveSibling("mosquitto_passwd");
        String toolName = Files.isExecutable(tool) ? tool.toString()
                : Executables.find("mosquitto_passwd").map(Path::toString)
                        .orElseThrow(() -> new IllegalStateException("users need mosquitto_passwd, which is not installed"));
        run(List.of(toolName, "-U", passwd.toString()));
    }

    private static void run(List<String> command) throws IOException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        try {
            String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
                p.destroyForcibly();
                throw new IllegalStateException(String.join(" ", command) + " failed: " + output);
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running " + command, e);
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(HOST, 0));
            return socket.getLocalPort();
        }
    }

    private synchronized void launch() {
        long expectedRunning = log.runningCount() + 1;
        try {
            process = new ProcessBuilder(binary.toString(), "-c", dir.resolve("mosquitto.conf").toString())
                    .redirectErrorStream(true)
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException("could not start " + binary, e);
        }
        ProcessReaper.track(process);
        starts++;
        paused = false;
        Process started = process;
        Thread reader = new Thread(() -> pump(started), "mosquitto-log-" + port + "-" + starts);
        reader.setDaemon(true);
        reader.start();
        try {
            boolean announced = log.awaitRunning(expectedRunning, START_TIMEOUT_MILLIS);
            if (!announced || !started.isAlive() || !acceptsConnections()) {
                String why = started.isAlive() ? "did not become ready in " + START_TIMEOUT_MILLIS + " ms"
                        : "exited with " + started.waitFor();
                close();
                throw new IllegalStateException("local mosquitto on port " + port + " " + why + ":\n" + log.text());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            close();
            throw new IllegalStateException("interrupted while starting mosquitto", e);
        }
    }

    private void pump(Process source) {
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(source.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = reader.readLine()) != null) log.add(line);
        } catch (IOException e) {
            // The stream closes when the process dies; nothing else to read.
        }
    }

    private boolean acceptsConnections() {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(HOST, port), 1_000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    @Override public String host() { return HOST; }
    @Override public int port() { return port; }
    @Override public String description() { return "local " + binary + " on port " + port; }
    @Override public boolean controllable() { return true; }

    /** The process id of the current broker process. */
    public synchronized long pid() {
        if (process == null) throw new IllegalStateException("not started");
        return process.pid();
    }

    @Override
    public synchronized boolean isRunning() {
        return process != null && process.isAlive();
    }

    @Override
    public synchronized void stop() {
        if (!isRunning()) return;
        if (paused) resume();
        process.destroy();
        awaitExit(STOP_TIMEOUT_MILLIS);
    }

    @Override
    public synchronized void kill() {
        if (!isRunning()) return;
        process.destroyForcibly();
        awaitExit(STOP_TIMEOUT_MILLIS);
    }

    @Override
    public synchronized void restart() {
        stop();
        launch();
    }

    @Override
    public synchronized void pause() {
        signal("STOP");
        paused = true;
    }

    @Override
    public synchronized void resume() {
        if (!paused) return;
        signal("CONT");
        paused = false;
    }

    private void signal(String name) {
        if (!isRunning()) throw new IllegalStateException("mosquitto on port " + port + " is not running");
        try {
            run(List.of("kill", "-" + name, Long.toString(process.pid())));
        } catch (IOException e) {
            throw new UncheckedIOException("could not send SIG" + name + " to mosquitto", e);
        }
    }

    private void awaitExit(long timeoutMillis) {
        try {
            if (!process.waitFor(timeoutMillis, TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                process.waitFor(timeoutMillis, TimeUnit.MILLISECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        ProcessReaper.untrack(process);
    }

    @Override
    public String recentLog() {
        return log.text();
    }

    @Override
    public synchronized void close() {
        if (process != null) {
            kill(); // SIGKILL also ends a paused (SIGSTOPped) broker
            ProcessReaper.untrack(process);
        }
        deleteQuietly(dir);
    }

    private static void deleteQuietly(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException e) {
            // A temp folder left behind is harmless; the process is what must not be.
        }
    }
}
