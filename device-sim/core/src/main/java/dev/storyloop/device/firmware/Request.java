package dev.storyloop.device.firmware;

import dev.storyloop.device.exec.Context;
import dev.storyloop.device.exec.Future;
import dev.storyloop.device.exec.Poll;

/**
 * One request from the gateway, handled in a task of its own: sign the response with the C HMAC
 * library (through the hand-written {@link TokenRefresh.HmacCall}), then publish the ack.
 *
 * <p>With {@code refresh-loses-wake} on, a signature that takes the library's source-of-truth path
 * never wakes this task: the request hangs until the commands task abandons it, the gateway
 * times it out, and the executor's lost-waker report names the task, {@code request}.
 */
final class Request implements Future<Void> {
    private final Device device;
    private final byte[] ack;
    private final TokenRefresh.HmacCall signing;
    private boolean signed;
    private Future<Boolean> publishing;

    Request(Device device, HmacBudget budget, byte[] ack) {
        this.device = device;
        this.ack = ack;
        this.signing = new TokenRefresh.HmacCall(device, now -> {
            boolean slow = budget.fromSourceOfTruth(now);
            if (slow) device.stats.requestsFromSourceOfTruth++;
            return slow;
        });
    }

    @Override
    public Poll poll(Context cx) {
        if (!signed) {
            if (signing.poll(cx) == Poll.PENDING) return Poll.PENDING;
            signed = true;
        }
        if (publishing == null) publishing = device.transport.publish(device.ackTopic, ack, 1, false);
        if (publishing.poll(cx) == Poll.PENDING) return Poll.PENDING;
        if (Boolean.TRUE.equals(publishing.output())) device.stats.acksSent++;
        else device.stats.acksLost++;
        return Poll.READY;
    }

    @Override
    public Void output() {
        return null;
    }

    @Override
    public void cancel() {
        signing.cancel();
        if (publishing != null) publishing.cancel();
    }

    @Override
    public String toString() {
        return "request";
    }
}
