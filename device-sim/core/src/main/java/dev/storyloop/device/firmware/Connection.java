package dev.storyloop.device.firmware;

import dev.storyloop.device.exec.Context;
import dev.storyloop.device.exec.Future;
import dev.storyloop.device.exec.Poll;
import dev.storyloop.device.exec.Sleep;
import dev.storyloop.device.exec.Timeout;
import dev.storyloop.device.net.ConnectOptions;

/**
 * The connection task: connect, subscribe, say "online", wait for the loss, back off, again.
 *
 * <p>States, in order; any failure goes to BACKOFF:
 * <pre>
 *   CONNECT ─▶ SUBSCRIBE_CMD ─▶ SUBSCRIBE_FLOW ─▶ ANNOUNCE ─▶ ONLINE ─(lost)─▶ BACKOFF ─▶ CONNECT
 * </pre>
 * The CONNECT carries the last will (unless the firmware is built without one): the retained
 * status "offline", which the broker publishes if the device vanishes. The connect has its own deadline (a broker that accepts TCP but never
 * answers, e.g. a stopped process, must not hold the device for ever). Delays come from
 * {@link Backoff}: exponential with full jitter, reset once a connection was announced.
 */
final class Connection implements Future<Void> {
    enum State { CONNECT, SUBSCRIBE_CMD, SUBSCRIBE_FLOW, ANNOUNCE, ONLINE, BACKOFF }

    private final Device device;
    private final Backoff backoff;
    private final ConnectOptions options;
    private final Sleep delay = Sleep.forNanos(0);
    private State state = State.CONNECT;
    private Future<Boolean> step;
    private Future<String> lost;

    Connection(Device device) {
        this.device = device;
        FirmwareConfig config = device.config;
        this.backoff = new Backoff(config.backoffBaseNanos(), config.backoffCapNanos(), config.backoffJitter(),
                config.seed() * 31 + device.boots());
        ConnectOptions plain = ConnectOptions.of(true, config.keepAliveSeconds());
        this.options = config.lastWill() ? plain.withWill(device.statusTopic, device.offline, 1, true) : plain;
    }

    @Override
    public Poll poll(Context cx) {
        while (true) {
            switch (state) {
                case CONNECT:
                    if (step == null) step = Timeout.after(device.config.connectTimeoutNanos(), device.transport.connect(options));
                    if (step.poll(cx) == Poll.PENDING) return Poll.PENDING;
                    if (!succeeded()) {
                        device.stats.connectFailures++;
                        backOff();
                        break;
                    }
                    device.stats.connects++;
                    lost = device.transport.connectionLost();
                    next(State.SUBSCRIBE_CMD);
                    break;
                case SUBSCRIBE_CMD:
                case SUBSCRIBE_FLOW:
                case ANNOUNCE:
                    if (step == null) step = stepFor(state);
                    if (step.poll(cx) == Poll.PENDING) return Poll.PENDING;
                    if (!succeeded()) {
                        connectionGone();
                        break;
                    }
                    if (state == State.ANNOUNCE) {
                        backoff.reset();
                        device.connected = true;
                        device.uplinkConditionsChanged();
                        next(State.ONLINE);
                    } else {
                        next(state == State.SUBSCRIBE_CMD ? State.SUBSCRIBE_FLOW : State.ANNOUNCE);
                    }
                    break;
                case ONLINE:
                    if (lost.poll(cx) == Poll.PENDING) return Poll.PENDING;
                    connectionGone();
                    break;
                case BACKOFF:
                    if (delay.poll(cx) == Poll.PENDING) return Poll.PENDING;
                    next(State.CONNECT);
                    break;
                default:
                    throw new AssertionError(state);
            }
        }
    }

    private Future<Boolean> stepFor(State current) {
        switch (current) {
            case SUBSCRIBE_CMD: return device.transport.subscribe(device.cmdTopic, 1);
            case SUBSCRIBE_FLOW: return device.transport.subscribe(device.flowTopic, 1);
            case ANNOUNCE: return device.transport.publish(device.statusTopic, device.online, 1, true);
            default: throw new AssertionError(current);
        }
    }

    private boolean succeeded() {
        Boolean ok = step.output();
        step = null;
        return Boolean.TRUE.equals(ok);
    }

    private void connectionGone() {
        device.stats.connectionsLost++;
        device.connected = false;
        device.uplinkConditionsChanged();
        if (lost != null) {
            lost.cancel();
            lost = null;
        }
        if (device.transport.isConnected()) device.transport.disconnect(); // half set up: start clean
        backOff();
    }

    private void backOff() {
        delay.reset(backoff.nextDelayNanos());
        next(State.BACKOFF);
    }

    private void next(State following) {
        state = following;
        step = null;
    }

    State state() {
        return state;
    }

    @Override
    public Void output() {
        return null;
    }

    @Override
    public void cancel() {
        if (step != null) step.cancel();
        if (lost != null) lost.cancel();
        delay.cancel();
    }

    @Override
    public String toString() {
        return "connection (" + state + ")";
    }
}
