package dev.storyloop.device.firmware;

import dev.storyloop.device.chan.Channel;
import dev.storyloop.device.exec.Context;
import dev.storyloop.device.exec.Future;
import dev.storyloop.device.exec.Poll;
import dev.storyloop.device.exec.Sleep;
import dev.storyloop.protocol.Frame;
import dev.storyloop.protocol.FrameCodec;
import dev.storyloop.protocol.FrameType;


/**
 * The sampling task: every sample period (and at once on a button press) reads the sensors into
 * a telemetry frame with the next sequence number and puts it on the uplink queue.
 *
 * <p>Under the {@code block} policy a full queue makes the send wait: the sampler takes no
 * reading until there is room (backpressure), and then resumes on the period's grid without a
 * burst of catch-up readings. Under the drop policies the send completes at once and the queue
 * counts what it dropped.
 */
final class Sampler implements Future<Void> {
    private final Device device;
    private final Channel.Sender<byte[]> out;
    private final Sleep tick = Sleep.forNanos(0);
    private final Frame frame = new Frame();
    private final FrameCodec codec = new FrameCodec();
    private Future<Boolean> button;
    private Future<Void> sending;
    private long nextNanos = Long.MIN_VALUE;

    Sampler(Device device) {
        this.device = device;
        this.out = device.uplink.sender();
    }

    @Override
    public Poll poll(Context cx) {
        if (nextNanos == Long.MIN_VALUE) {
            nextNanos = cx.nowNanos();
            tick.resetUntil(nextNanos);
        }
        while (true) {
            if (sending != null) {
                if (sending.poll(cx) == Poll.PENDING) return Poll.PENDING;
                sending = null;
                device.noteBuffered();
            }
            if (button == null) button = device.buttonPresses.await();
            if (button.poll(cx) == Poll.READY) {
                button = null;
                device.stats.buttonSamples++;
                sample(cx);
                continue;
            }
            if (tick.poll(cx) == Poll.PENDING) return Poll.PENDING;
            // The next tick is one period on; after a long wait (backpressure) it is now, never a burst.
            nextNanos = Math.max(nextNanos + device.samplePeriodNanos, cx.nowNanos());
            tick.resetUntil(nextNanos);
            sample(cx);
        }
    }

    private void sample(Context cx) {
        frame.reset(FrameType.TELEMETRY, device.config.deviceId(), device.takeSequence(), device.timestampMillis(cx.nowNanos()));
        device.sensors.read(frame);
        byte[] encoded = codec.encode(frame, device.frameAuthenticator);
        device.stats.sampled++;
        sending = out.send(encoded);
    }

    /** 1 while a reading waits for room in the queue (block policy), else 0. */
    int framesInHand() {
        return sending != null ? 1 : 0;
    }

    @Override
    public Void output() {
        return null;
    }

    @Override
    public void cancel() {
        tick.cancel();
        if (button != null) button.cancel();
        if (sending != null) sending.cancel(); // the reading in hand is lost with the RAM; the supervisor counted it
        sending = null;
    }

    @Override
    public String toString() {
        return "sampler";
    }
}
