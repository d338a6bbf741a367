package dev.storyloop.device.firmware;

import dev.storyloop.device.exec.Context;
import dev.storyloop.device.exec.Future;
import dev.storyloop.device.exec.Poll;
import dev.storyloop.device.exec.Sleep;

/** The LED task: blinks the LED the number of times a BLINK command asked for, 100 ms on, 100 ms off. */
final class Led implements Future<Void> {
    static final long HALF_PERIOD_NANOS = 100 * FirmwareConfig.MS;

    private final Device device;
    private final Sleep half = Sleep.forNanos(0);
    private Future<Integer> request;
    private int halvesLeft;
    private boolean on;

    Led(Device device) {
        this.device = device;
    }

    @Override
    public Poll poll(Context cx) {
        while (true) {
            if (halvesLeft > 0) {
                if (half.poll(cx) == Poll.PENDING) return Poll.PENDING;
                on = !on;
                device.board.gpio().led(on);
                halvesLeft--;
                if (halvesLeft > 0) half.reset(HALF_PERIOD_NANOS);
                continue;
            }
            if (request == null) request = device.blinkRequests.await();
            if (request.poll(cx) == Poll.PENDING) return Poll.PENDING;
            int blinks = request.output();
            request = null;
            device.stats.blinks += blinks;
            on = true;
            device.board.gpio().led(true);
            halvesLeft = 2 * blinks - 1;
            half.reset(HALF_PERIOD_NANOS);
        }
    }

    @Override
    public Void output() {
        return null;
    }

    @Override
    public void cancel() {
        half.cancel();
        if (request != null) request.cancel();
        if (on) device.board.gpio().led(false);
    }

    @Override
    public String toString() {
        return "led";
    }
}
