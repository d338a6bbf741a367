package dev.storyloop.stories.run;

import dev.storyloop.device.firmware.Device;
import dev.storyloop.device.sim.Message;
import dev.storyloop.device.sim.SimTransport;
import dev.storyloop.device.sim.SimWorld;
import dev.storyloop.gateway.core.DeviceRecord;
import dev.storyloop.gateway.core.GatewayCore;
import dev.storyloop.protocol.Topics;
import dev.storyloop.stories.scenario.Scenario;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Realises a scenario's power cuts in the simulated world, and watches, while each board is down,
 * what the others believe about it: the retained status at the broker (what any new subscriber is
 * told) and the gateway's liveness.
 *
 * <p>The watch looks every {@link #WATCH_STEP_NANOS} of simulated time, so its spans are exact to
 * that step. It only reads the world; a scenario without power cuts arms nothing.
 */
final class PowerCuts {
    static final long WATCH_STEP_NANOS = 100_000_000L;

    private final SimWorld world;
    private final GatewayCore gateway;
    private final long endNanos;
    private final List<Cut> cuts = new ArrayList<>();

    /** One power cut as it happened: when, and what the broker and the gateway showed meanwhile. */
    private static final class Cut {
        final Device device;
        final long atNanos;
        final long powerBackNanos; // Long.MAX_VALUE: never
        boolean happened;          // false for a cut planned past the end of the run
        long retainedOnlineNanos;
        boolean retainedOnlineAtEnd;
        long believedOnlineNanos;
        boolean markedDown;

        Cut(Device device, long atNanos, long powerBackNanos) {
            this.device = device;
            this.atNanos = atNanos;
            this.powerBackNanos = powerBackNanos;
        }
    }

    PowerCuts(SimWorld world, GatewayCore gateway, long endNanos) {
        this.world = world;
        this.gateway = gateway;
        this.endNanos = endNanos;
    }

    /** Arms each cut (times from {@code start}); devices and transports are indexed by device number - 1. */
    void schedule(List<Scenario.PowerCut> planned, long start, List<Device> devices, List<SimTransport> transports) {
        for (Scenario.PowerCut plan : planned) {
            Device device = devices.get(plan.device() - 1);
            SimTransport transport = transports.get(plan.device() - 1);
            long at = start + plan.at().nanos();
            long back = plan.rebootAfter() == null ? Long.MAX_VALUE : at + plan.rebootAfter().nanos();
            Cut cut = new Cut(device, at, back);
            cuts.add(cut);
            world.at(at, () -> {
                transport.powerCut(); // the socket first: the tasks' cancel hooks then find nothing to close politely
                device.powerCut();
                cut.happened = true;
                watch(cut, at);
            });
            if (back < endNanos) world.at(back, device::powerOn);
        }
    }

    private void watch(Cut cut, long now) {
        long until = Math.min(cut.powerBackNanos, endNanos);
        if (now >= until) return;
        String id = cut.device.config().deviceId();
        Message retained = world.broker().retained(Topics.status(id));
        boolean retainedOnline = retained != null
                && Topics.STATUS_ONLINE.equals(new String(retained.payload(), StandardCharsets.US_ASCII));
        long step = Math.min(WATCH_STEP_NANOS, until - now);
        if (retainedOnline) cut.retainedOnlineNanos += step;
        cut.retainedOnlineAtEnd = retainedOnline;
        DeviceRecord record = gateway.device(id);
        boolean believedOnline = record != null && record.liveness() == DeviceRecord.Liveness.ONLINE;
        if (!believedOnline) cut.markedDown = true;
        if (believedOnline && !cut.markedDown) cut.believedOnlineNanos += step;
        world.at(now + step, () -> watch(cut, now + step));
    }

    /** The fault metrics (zero when the scenario has no power cuts). */
    void collect(Map<String, Object> m) {
        long retainedOnlineDown = 0;
        long markedDown = 0;
        long retainedNanosMax = 0;
        long believedNanosMax = 0;
        long happened = 0;
        for (Cut cut : cuts) {
            if (!cut.happened) continue;
            happened++;
            if (cut.retainedOnlineAtEnd) retainedOnlineDown++;
            if (cut.markedDown) markedDown++;
            retainedNanosMax = Math.max(retainedNanosMax, cut.retainedOnlineNanos);
            believedNanosMax = Math.max(believedNanosMax, cut.believedOnlineNanos);
        }
        m.put("device.power_cuts", happened);
        m.put("broker.retained_online_while_down", retainedOnlineDown);
        m.put("broker.retained_online_down_seconds", retainedNanosMax / 1e9);
        m.put("gateway.believed_online_after_cut_seconds", believedNanosMax / 1e9);
        m.put("gateway.marked_down_after_cut", markedDown);
    }
}
