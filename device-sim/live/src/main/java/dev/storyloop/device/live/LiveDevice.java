package dev.storyloop.device.live;

import dev.storyloop.device.diag.Diagnostics;
import dev.storyloop.device.firmware.Device;
import dev.storyloop.device.firmware.DeviceStats;
import dev.storyloop.device.firmware.FirmwareConfig;
import dev.storyloop.device.hal.Board;
import dev.storyloop.device.net.PahoTransport;
import dev.storyloop.device.time.RealClock;
import org.HdrHistogram.Histogram;

import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BiConsumer;

/**
 * One firmware device in real time against a real broker: its executor on its own thread, Paho
 * underneath, a live board for blocking calls and GPIO.
 *
 * <p>The shell around {@link Device}: it owns the thread, the clock and the sockets, and nothing
 * else. {@link #close()} asks the firmware to say "offline" and stop, waits for the loop to end,
 * then closes Paho (whose threads are not daemons) and the board.
 */
public final class LiveDevice implements AutoCloseable {
    public static final long STOP_WAIT_MILLIS = 5_000;

    private final PahoTransport transport;
    private final Board board;
    private final Thread loop;
    private final CompletableFuture<Device> booted = new CompletableFuture<>();
    private volatile Device device;
    private volatile Diagnostics diagnostics;
    private volatile Throwable failure;

    private final BiConsumer<Device, Diagnostics> beforeRun;

    private LiveDevice(FirmwareConfig config, String brokerUri, Board board, BiConsumer<Device, Diagnostics> beforeRun) {
        this.beforeRun = beforeRun;
        this.transport = new PahoTransport(brokerUri, config.deviceId(), PahoTransport.MAX_INFLIGHT_DEFAULT, Device.INBOUND_CAPACITY);
        this.board = board;
        this.loop = new Thread(() -> run(config), "device-" + config.deviceId());
    }

    /**
     * Boots the device on its own thread and returns once it runs; a configuration that does not
     * fit the RAM budget fails here with the memory map.
     */
    public static LiveDevice start(FirmwareConfig config, String brokerUri, Board board) {
        return start(config, brokerUri, board, (device, diagnostics) -> {});
    }

    /**
     * As {@link #start(FirmwareConfig, String, Board)}, and runs {@code beforeRun} on the loop thread
     * after boot and before the loop starts: the place to add observers (the console's probe).
     */
    public static LiveDevice start(FirmwareConfig config, String brokerUri, Board board, BiConsumer<Device, Diagnostics> beforeRun) {
        LiveDevice live = new LiveDevice(Objects.requireNonNull(config, "config"), Objects.requireNonNull(brokerUri, "brokerUri"),
                Objects.requireNonNull(board, "board"), Objects.requireNonNull(beforeRun, "beforeRun"));
        live.loop.start();
        try {
            live.booted.get(STOP_WAIT_MILLIS, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            live.closeResources();
            if (e.getCause() instanceof RuntimeException) throw (RuntimeException) e.getCause();
            throw new IllegalStateException("device '" + config.deviceId() + "' failed to boot", e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            live.close();
            throw new IllegalStateException("interrupted while booting device '" + config.deviceId() + "'", e);
        } catch (TimeoutException e) {
            live.close();
            throw new IllegalStateException("device '" + config.deviceId() + "' did not boot within " + STOP_WAIT_MILLIS + " ms", e);
        }
        return live;
    }

    private void run(FirmwareConfig config) {
        Device running;
        try {
            running = Device.boot(config, new RealClock(), transport, board);
            diagnostics = Diagnostics.attach(running.executor());
            beforeRun.accept(running, diagnostics);
            running.start();
            device = running;
            booted.complete(running);
        } catch (RuntimeException | Error e) {
            booted.completeExceptionally(e);
            return;
        }
        try {
            running.executor().runUntil(running::isStopped);
        } catch (RuntimeException | Error e) {
            failure = e;
        }
    }

    /** What the device has done so far; safe from any thread (counters may lag the loop by a moment). */
    public Snapshot snapshot() {
        Device d = device;
        DeviceStats stats = d.stats();
        return new Snapshot(d.config().deviceId(), transport.isConnected(), stats.sampled(), stats.published(),
                stats.delivered(), d.buffered(), d.dropped(), stats.connects(), stats.connectionsLost(), stats.commandsReceived());
    }

    /** The wake latencies recorded since the last call (the caller's interval), also summed into {@link #wakeLatencyTotal()}. */
    public Histogram wakeLatencyInterval() {
        return transport.wakeLatency().interval();
    }

    public Histogram wakeLatencyTotal() {
        return transport.wakeLatency().total();
    }

    /** Asks the firmware to stop, waits for its loop, then releases Paho and the board. Idempotent. */
    @Override
    public void close() {
        Device d = device;
        if (d != null) d.requestShutdown();
        try {
            loop.join(STOP_WAIT_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (loop.isAlive() && d != null) {
            d.executor().stop();
            try {
                loop.join(STOP_WAIT_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        closeResources();
    }

    private void closeResources() {
        transport.close();
        board.close();
    }

    /** The device, for reading after {@link #close()} (its loop has ended then) or from tests. */
    public Device device() { return device; }
    public PahoTransport transport() { return transport; }
    public Diagnostics diagnostics() { return diagnostics; }
    /** What ended the loop abnormally, or null. */
    public Throwable failure() { return failure; }
    public boolean isRunning() { return loop.isAlive(); }

    /** A moment of the device's books, for the status line. */
    public record Snapshot(String deviceId, boolean connected, long sampled, long published, long delivered,
                           long buffered, long dropped, long connects, long connectionsLost, long commands) {}
}
