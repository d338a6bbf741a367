package dev.storyloop.device.firmware;

import dev.storyloop.device.chan.Channel;
import dev.storyloop.device.exec.Context;
import dev.storyloop.device.exec.Future;
import dev.storyloop.device.exec.Poll;
import dev.storyloop.device.exec.Sleep;

/**
 * The store-and-forward task: takes frames off the uplink queue and publishes them, keeping up to
 * W frames in a publish window until each is confirmed.
 *
 * <p>A frame leaves RAM only when its publish completed (QoS 1: the broker's PUBACK; QoS 0: written
 * to the connection). When the connection is lost, every unconfirmed frame in the window is
 * published again, in order, after the next connect, so nothing taken off the queue is lost to a
 * disconnect (the broker may then see a frame twice; the gateway counts the duplicate). Before
 * each first publish the uplink needs a connection, a valid token and a credit from the gateway,
 * and keeps to the gateway's rate; without them it waits and the queue buffers, within its bound.
 *
 * <p>The window is a ring: slots {@code [head, head + count)} hold frames, of which the first
 * {@code sent} have a publish outstanding (or completed out of order, marked in {@code confirmed}).
 */
final class Uplink implements Future<Void> {
    private final Device device;
    private final Channel.Receiver<byte[]> in;
    private final byte[][] window;
    private final boolean[] firstSendDone;
    private final boolean[] confirmed;
    @SuppressWarnings("unchecked")
    private final Future<Boolean>[] publishes;
    private final Sleep rateGate = Sleep.forNanos(0);
    private int head;
    private int count;
    private int sent;
    private int confirmedInWindow; // confirmed out of order, behind an unconfirmed frame: delivered, not yet popped
    private Future<byte[]> receiving;
    private long nextAllowedNanos = Long.MIN_VALUE;

    @SuppressWarnings("unchecked")
    Uplink(Device device) {
        this.device = device;
        this.in = device.uplink.receiver();
        int size = device.config.uplinkWindow();
        this.window = new byte[size][];
        this.firstSendDone = new boolean[size];
        this.confirmed = new boolean[size];
        this.publishes = new Future[size];
    }

    @Override
    public Poll poll(Context cx) {
        while (true) {
            boolean progress = reapCompletions(cx);
            if (count < window.length && !device.flushing) {
                if (receiving == null) receiving = in.recv();
                if (receiving.poll(cx) == Poll.READY) {
                    int slot = slot(count);
                    window[slot] = receiving.output();
                    firstSendDone[slot] = false;
                    confirmed[slot] = false;
                    count++;
                    receiving = null;
                    progress = true;
                }
            }
            if (sent < count && publishNext(cx)) progress = true;
            if (!progress) return Poll.PENDING;
        }
    }

    /** Polls outstanding publishes in window order; returns true when any completed. */
    private boolean reapCompletions(Context cx) {
        boolean progress = false;
        boolean lost = false;
        for (int i = 0; i < sent; i++) {
            int slot = slot(i);
            Future<Boolean> publish = publishes[slot];
            if (publish == null || publish.poll(cx) == Poll.PENDING) continue;
            publishes[slot] = null;
            progress = true;
            if (Boolean.TRUE.equals(publish.output())) {
                confirmed[slot] = true;
                confirmedInWindow++;
                device.stats.delivered++;
            } else {
                lost = true;
            }
        }
        while (count > 0 && confirmed[head]) {
            window[head] = null;
            confirmed[head] = false;
            confirmedInWindow--;
            head = slot(1);
            count--;
            sent--;
        }
        if (lost) {
            // The connection went: whatever is unconfirmed goes out again, in order, on the next one.
            for (int i = 0; i < sent; i++) {
                int slot = slot(i);
                if (publishes[slot] != null) {
                    publishes[slot].cancel();
                    publishes[slot] = null;
                }
            }
            sent = 0;
            while (sent < count && confirmed[slot(sent)]) sent++;
        }
        if (progress && device.flushing && outstanding() == 0) device.flushed.signal(Boolean.TRUE);
        return progress;
    }

    /** Publishes the next unsent frame if the conditions allow; otherwise arranges to be woken when they change. */
    private boolean publishNext(Context cx) {
        int slot = slot(sent);
        if (confirmed[slot]) {
            sent++;
            return true;
        }
        long now = cx.nowNanos();
        if (device.flushing) return false; // stopping: finish what is out, send nothing new
        if (!device.connected || !device.transport.isConnected()) return waitForConditions(cx);
        if (now >= device.tokenExpiresNanos) return waitForConditions(cx);
        boolean firstSend = !firstSendDone[slot];
        if (firstSend) {
            if (device.credits == 0) {
                device.stats.flowWaits++;
                return waitForConditions(cx);
            }
            if (now < nextAllowedNanos) {
                rateGate.resetUntil(nextAllowedNanos);
                if (rateGate.poll(cx) == Poll.PENDING) {
                    device.uplinkWake.register(cx); // a new rate or credit also re-decides
                    return false;
                }
            }
        }
        publishes[slot] = device.transport.publish(device.telemetryTopic, window[slot], device.config.qos(), false);
        sent++;
        if (firstSend) {
            firstSendDone[slot] = true;
            device.stats.published++;
            if (device.credits != Device.UNLIMITED) device.credits--;
            nextAllowedNanos = device.rateIntervalNanos == 0 ? Long.MIN_VALUE : now + device.rateIntervalNanos;
        } else {
            device.stats.republished++;
        }
        return true;
    }

    private boolean waitForConditions(Context cx) {
        device.uplinkWake.register(cx);
        cx.waitingOn(device);
        return false;
    }

    private int slot(int offset) {
        int i = head + offset;
        return i >= window.length ? i - window.length : i;
    }

    /** Frames in the window: taken off the queue, not yet confirmed. */
    int framesHeld() {
        return count - confirmedInWindow;
    }

    /** Frames published and not yet confirmed: whether the broker has them is not known yet. */
    int outstanding() {
        int outstanding = 0;
        for (int i = 0; i < sent; i++) {
            if (publishes[slot(i)] != null) outstanding++;
        }
        return outstanding;
    }

    @Override
    public Void output() {
        return null;
    }

    /** Aborted (reboot, shutdown): withdraws every wait and publish; the window's frames are gone with the RAM. */
    @Override
    public void cancel() {
        if (receiving != null) receiving.cancel();
        receiving = null;
        for (int i = 0; i < window.length; i++) {
            if (publishes[i] != null) publishes[i].cancel();
            publishes[i] = null;
            window[i] = null;
        }
        rateGate.cancel();
        device.uplinkWake.clear();
        count = 0;
        sent = 0;
        confirmedInWindow = 0;
    }

    @Override
    public String toString() {
        return "uplink";
    }
}
