package dev.storyloop.device.firmware;

import dev.storyloop.device.exec.Context;
import dev.storyloop.device.exec.Future;
import dev.storyloop.device.exec.JoinHandle;
import dev.storyloop.device.exec.Poll;
import dev.storyloop.device.exec.Timeout;

/**
 * The firmware's main task: spawns the working tasks, and on a reboot or shutdown request stops them in order.
 *
 * <pre>
 *   RUNNING ─(request)─▶ FLUSHING ─(outstanding publishes done, or deadline)─▶ [shutdown: SAYING_OFFLINE] ─▶ reset
 *   reset: reboot ─▶ RUNNING with fresh tasks;  shutdown ─▶ the supervisor completes
 * </pre>
 * Stopping first ends sampling and lets the uplink finish what it already published (at most
 * {@link #FLUSH_TIMEOUT_NANOS}), so the books stay exact: a frame still queued is dropped on reset,
 * a frame published and unconfirmed after the deadline is counted apart, since the broker may
 * have it. A shutdown then publishes the retained status "offline" itself (a clean DISCONNECT
 * discards the last will), waiting at most {@link #OFFLINE_TIMEOUT_NANOS}. The reset aborts every
 * task (their cancel hooks withdraw waits and publishes), drops the connection, and resets RAM;
 * the sequence counter in RTC memory survives.
 */
final class Supervisor implements Future<Void> {
    static final long FLUSH_TIMEOUT_NANOS = 2 * FirmwareConfig.SECOND;
    static final long OFFLINE_TIMEOUT_NANOS = 2 * FirmwareConfig.SECOND;

    private enum State { RUNNING, FLUSHING, SAYING_OFFLINE, STOPPED }

    private final Device device;
    private final JoinHandle<?>[] tasks = new JoinHandle<?>[Device.TASKS - 1];
    private Sampler sampler;
    private Uplink uplinkTask;
    private SelectLoop selectLoop;
    private State state = State.RUNNING;
    private Device.Control request;
    private Future<Device.Control> awaiting;
    private Future<?> step;

    Supervisor(Device device) {
        this.device = device;
    }

    @Override
    public Poll poll(Context cx) {
        if (tasks[0] == null && state == State.RUNNING) spawnTasks(cx);
        while (true) {
            switch (state) {
                case RUNNING:
                    if (awaiting == null) awaiting = device.control.await();
                    if (awaiting.poll(cx) == Poll.PENDING) return Poll.PENDING;
                    request = awaiting.output();
                    awaiting = null;
                    stopSampling();
                    device.flushing = true;
                    device.uplinkConditionsChanged();
                    step = uplinkTask == null || uplinkTask.outstanding() == 0 ? null
                            : Timeout.after(FLUSH_TIMEOUT_NANOS, device.flushed.await());
                    state = State.FLUSHING;
                    break;
                case FLUSHING:
                    if (step != null && step.poll(cx) == Poll.PENDING) return Poll.PENDING;
                    step = null;
                    if (request == Device.Control.SHUTDOWN && device.transport.isConnected()) {
                        step = Timeout.after(OFFLINE_TIMEOUT_NANOS, device.transport.publish(device.statusTopic, device.offline, 1, true));
                        state = State.SAYING_OFFLINE;
                        break;
                    }
                    if (reset(cx)) return Poll.READY;
                    break;
                case SAYING_OFFLINE:
                    if (step.poll(cx) == Poll.PENDING) return Poll.PENDING;
                    step = null;
                    if (reset(cx)) return Poll.READY;
                    break;
                case STOPPED:
                    return Poll.READY;
                default:
                    throw new AssertionError(state);
            }
        }
    }

    /** Empties RAM and drops the connection; a reboot starts the tasks again. Returns true when the firmware stopped. */
    private boolean reset(Context cx) {
        int unconfirmed = uplinkTask == null ? 0 : uplinkTask.outstanding();
        int neverSent = windowFrames() - unconfirmed;
        stopTasks();
        device.stats.droppedOnReset += neverSent + device.uplink.clear();
        device.stats.unconfirmedAtReset += unconfirmed;
        device.transport.disconnect();
        if (request == Device.Control.SHUTDOWN) {
            state = State.STOPPED;
            return true;
        }
        device.stats.reboots++;
        device.resetRam();
        spawnTasks(cx);
        state = State.RUNNING;
        return false;
    }

    private void spawnTasks(Context cx) {
        sampler = new Sampler(device);
        int i = 0;
        tasks[i++] = cx.spawner().spawn("connection", new Connection(device));
        tasks[i++] = cx.spawner().spawn("sampler", sampler);
        if (device.config.loopStyle() == LoopStyle.TASKS) {
            uplinkTask = new Uplink(device);
            tasks[i++] = cx.spawner().spawn("uplink", uplinkTask);
            tasks[i++] = cx.spawner().spawn("commands", new Commands(device));
        } else {
            selectLoop = new SelectLoop(device, device.config.loopStyle() == LoopStyle.SELECT_KEEPS_READING);
            tasks[i++] = cx.spawner().spawn("select-loop", selectLoop);
        }
        tasks[i++] = cx.spawner().spawn("token-refresh", new TokenRefresh(device));
        tasks[i++] = cx.spawner().spawn("led", new Led(device));
        assert i <= tasks.length : "more tasks than slots";
    }

    /** Ends sampling; a reading waiting for room in the queue is lost with it. */
    private void stopSampling() {
        device.stats.droppedOnReset += sampler.framesInHand();
        tasks[1].abort();
    }

    private void stopTasks() {
        for (JoinHandle<?> task : tasks) {
            if (task != null) task.abort();
        }
        device.connected = false;
        device.uplinkWake.clear();
    }

    /** Frames published and not yet confirmed: their fate is unknown to the device if RAM is lost now. */
    int unconfirmed() {
        return uplinkTask == null ? 0 : uplinkTask.outstanding();
    }

    int windowFrames() {
        if (selectLoop != null) return selectLoop.framesHeld();
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
        if (step != null) step.cancel();
        stopTasks();
    }

    @Override
    public String toString() {
        return "supervisor (" + state + ")";
    }
}
