package dev.storyloop.device.live;

import dev.storyloop.device.diag.Diagnostics;
import dev.storyloop.device.exec.Executor;
import dev.storyloop.device.exec.LoopRunner;
import dev.storyloop.device.firmware.Device;
import dev.storyloop.device.firmware.DeviceStats;
import dev.storyloop.device.firmware.FirmwareConfig;
import dev.storyloop.device.hal.Board;
import dev.storyloop.device.net.PahoTransport;
import org.HdrHistogram.Histogram;

import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BiConsumer;

/**
 * One firmware device in real time against a real broker: its executor on a loop thread (its own,
 * or a {@link DeviceLoop} shared with other devices), Paho underneath, a live board for blocking
 * calls and GPIO.
 *
 * <p>The shell around {@link Device}: it owns the clock and the sockets, and nothing else. The
 * device boots on the loop thread, so its executor is bound to that thread from its first spawn.
 * {@link #close()} asks the firmware to say "offline" and stop, waits for it to stop, then closes
 * Paho (whose threads are not daemons), the board, and its own loop if it has one.
 */
public final class LiveDevice implements AutoCloseable {
    public static final long STOP_WAIT_MILLIS = 5_000;

    private final FirmwareConfig config;
    private final PahoTransport transport;
    private final Board board;
    private final DeviceLoop loop;
    private final boolean ownLoop;
    private final CompletableFuture<Device> booted = new CompletableFuture<>();
    private final CompletableFuture<Void> stopped = new CompletableFuture<>();
    private volatile Device device;
    private volatile Diagnostics diagnostics;

    private final BiConsumer<Device, Diagnostics> beforeRun;

    private LiveDevice(FirmwareConfig config, String brokerUri, Board board, BiConsumer<Device, Diagnostics> beforeRun,
                       DeviceLoop loop, boolean ownLoop) {
        this.config = config;
        this.beforeRun = beforeRun;
        this.transport = new PahoTransport(brokerUri, config.deviceId(), PahoTransport.MAX_INFLIGHT_DEFAULT, Device.INBOUND_CAPACITY);
        this.board = board;
        this.loop = loop;
        this.ownLoop = ownLoop;
    }

    /**
     * Boots the device on a loop thread of its own and returns once it runs; a configuration that
     * does not fit the RAM budget fails here with the memory map.
     */
    public static LiveDevice start(FirmwareConfig config, String brokerUri, Board board) {
        return start(config, brokerUri, board, (device, diagnostics) -> {});
    }

    /**
     * As {@link #start(FirmwareConfig, String, Board)}, and runs {@code beforeRun} on the loop thread
     * after boot and before the firmware starts: the place to add observers (the console's probe).
     */
    public static LiveDevice start(FirmwareConfig config, String brokerUri, Board board, BiConsumer<Device, Diagnostics> beforeRun) {
        Objects.requireNonNull(config, "config");
        DeviceLoop own = DeviceLoop.start("device-" + config.deviceId(), 1, DeviceLoop.idleFor(config.idleSpinNanos()), config.idleSpinNanos());
        return start(config, brokerUri, board, beforeRun, own, true);
    }

    /**
     * As {@link #start(FirmwareConfig, String, Board, BiConsumer)}, on {@code loop}, a loop thread
     * shared with other devices; closing the device leaves the loop running.
     */
    public static LiveDevice start(FirmwareConfig config, String brokerUri, Board board, BiConsumer<Device, Diagnostics> beforeRun,
                                   DeviceLoop loop) {
        return start(config, brokerUri, board, beforeRun, Objects.requireNonNull(loop, "loop"), false);
    }

    private static LiveDevice start(FirmwareConfig config, String brokerUri, Board board, BiConsumer<Device, Diagnostics> beforeRun,
                                    DeviceLoop loop, boolean ownLoop) {
        LiveDevice live = new LiveDevice(Objects.requireNonNull(config, "config"), Objects.requireNonNull(brokerUri, "brokerUri"),
                Objects.requireNonNull(board, "board"), Objects.requireNonNull(beforeRun, "beforeRun"), loop, ownLoop);
        if (!loop.runner().execute(live::boot)) {
            live.closeResources();
            throw new IllegalStateException("device '" + config.deviceId() + "': loop " + loop.name() + " has "
                    + LoopRunner.INBOX_CAPACITY + " hand-overs waiting already; start fewer devices at once");
        }
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

    /** On the loop thread: boots the firmware, puts its executor on the loop, starts it. */
    private void boot() {
        Device running;
        try {
            running = Device.boot(config, loop.clock(), transport, board);
            diagnostics = Diagnostics.attach(running.executor());
            beforeRun.accept(running, diagnostics);
            loop.runner().add(running.executor(), running::isStopped, () -> stopped.complete(null));
            running.start();
            device = running;
        } catch (RuntimeException | Error e) {
            booted.completeExceptionally(e);
            return;
        }
        booted.complete(running);
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

    /** Asks the firmware to stop without waiting (a fleet asks all its devices first, then waits for each). */
    public void requestStop() {
        Device d = device;
        if (d != null && !stopped.isDone()) d.requestShutdown();
    }

    /** Asks the firmware to stop, waits for it, then releases Paho, the board and its own loop. Idempotent. */
    @Override
    public void close() {
        Device d = device;
        if (d != null && !stopped.isDone()) {
            d.requestShutdown();
            if (!awaitStopped()) {
                // It did not stop in time: take it off the loop where it is (a shared loop goes on without it).
                Executor executor = d.executor();
                if (ownLoop) loop.close();
                else if (loop.runner().execute(() -> {
                    loop.runner().remove(executor);
                    stopped.complete(null);
                })) awaitStopped();
            }
        }
        if (ownLoop) loop.close();
        closeResources();
    }

    private boolean awaitStopped() {
        try {
            stopped.get(STOP_WAIT_MILLIS, TimeUnit.MILLISECONDS);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (ExecutionException | TimeoutException e) {
            return false;
        }
    }

    private void closeResources() {
        transport.close();
        board.close();
    }

    /** The device, for reading after {@link #close()} (its loop has ended then) or from tests. */
    public Device device() { return device; }
    public PahoTransport transport() { return transport; }
    public Diagnostics diagnostics() { return diagnostics; }
    /** What ended its loop abnormally, or null (a task's failure ends that task only, not the loop). */
    public Throwable failure() { return loop.failure(); }
    /** True until the firmware has stopped (or its loop ended). */
    public boolean isRunning() { return !stopped.isDone() && loop.isRunning(); }
    /** The loop thread it runs on. */
    public DeviceLoop loop() { return loop; }

    /** A moment of the device's books, for the status line. */
    public record Snapshot(String deviceId, boolean connected, long sampled, long published, long delivered,
                           long buffered, long dropped, long connects, long connectionsLost, long commands) {}
}
