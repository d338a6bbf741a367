package dev.storyloop.device.firmware;

import dev.storyloop.device.exec.Context;
import dev.storyloop.device.exec.Future;
import dev.storyloop.device.exec.JoinHandle;
import dev.storyloop.device.exec.Poll;
import dev.storyloop.device.exec.Timeout;

/**
 * The firmware's main task: spawns the working tasks, and on a reboot or shutdown request stops them.
 *
 * <p>Reboot: abort every task (their cancel hooks withdraw waits and in-flight publishes),
 * count the frames RAM held as dropped on reset, drop the connection, reset RAM state and spawn
 * the tasks again. Shutdown: publish the retained status "offline" (a clean DISCONNECT discards
 * the last will, so the device says it itself, waiting at most {@link #OFFLINE_TIMEOUT_NANOS}),
 * then stop the tasks and disconnect; the supervisor's own future then completes.
 */
final class Supervisor implements Future<Void> {
    static final long OFFLINE_TIMEOUT_NANOS = 2 * FirmwareConfig.SECOND;

    private final Device device;
    private Sampler sampler;
    private Uplink uplinkTask;
    private final JoinHandle<?>[] tasks = new JoinHandle<?>[Device.TASKS - 1];
    private Future<Device.Control> awaiting;
    private Future<Boolean> sayingOffline;
    private boolean stopped;

    Supervisor(Device device) {
        this.device = device;
    }

    @Override
    public Poll poll(Context cx) {
        if (stopped) return Poll.READY;
        if (tasks[0] == null) spawnTasks(cx);
        while (true) {
            if (sayingOffline != null) {
                if (sayingOffline.poll(cx) == Poll.PENDING) return Poll.PENDING;
                sayingOffline = null;
                discardRam();
                device.transport.disconnect();
                stopped = true;
                return Poll.READY;
            }
            if (awaiting == null) awaiting = device.control.await();
            if (awaiting.poll(cx) == Poll.PENDING) return Poll.PENDING;
            Device.Control request = awaiting.output();
            awaiting = null;
            if (request == Device.Control.SHUTDOWN) {
                if (device.transport.isConnected()) {
                    sayingOffline = Timeout.after(OFFLINE_TIMEOUT_NANOS, device.transport.publish(device.statusTopic, device.offline, 1, true));
                    continue;
                }
                discardRam();
                device.transport.disconnect();
                stopped = true;
                return Poll.READY;
            }
            reboot(cx);
        }
    }

    private void spawnTasks(Context cx) {
        sampler = new Sampler(device);
        uplinkTask = new Uplink(device);
        int i = 0;
        tasks[i++] = cx.spawner().spawn("connection", new Connection(device));
        tasks[i++] = cx.spawner().spawn("sampler", sampler);
        tasks[i++] = cx.spawner().spawn("uplink", uplinkTask);
        tasks[i++] = cx.spawner().spawn("commands", new Commands(device));
        tasks[i++] = cx.spawner().spawn("token-refresh", new TokenRefresh(device));
        tasks[i++] = cx.spawner().spawn("led", new Led(device));
        assert i == tasks.length : "every task slot but the supervisor's is used";
    }

    private void reboot(Context cx) {
        discardRam();
        device.transport.disconnect();
        device.stats.reboots++;
        device.resetRam();
        spawnTasks(cx);
    }

    /** Stops the tasks and counts the frames RAM held (queue, publish window, the sampler's hand) as lost to the reset. */
    private void discardRam() {
        int held = windowFrames() + framesInHand();
        stopTasks();
        device.stats.droppedOnReset += held + device.uplink.clear();
    }

    private void stopTasks() {
        for (int i = 0; i < tasks.length; i++) {
            if (tasks[i] != null) tasks[i].abort();
        }
        device.connected = false;
        device.uplinkWake.clear();
    }

    int windowFrames() {
        return uplinkTask == null ? 0 : uplinkTask.framesHeld();
    }

    int framesInHand() {
        return sampler == null ? 0 : sampler.framesInHand();
    }

    @Override
    public Void output() {
        return null;
    }

    @Override
    public void cancel() {
        if (awaiting != null) awaiting.cancel();
        if (sayingOffline != null) sayingOffline.cancel();
        discardRam();
    }

    @Override
    public String toString() {
        return "supervisor";
    }
}
