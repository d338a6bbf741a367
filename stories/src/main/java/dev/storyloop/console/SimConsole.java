package dev.storyloop.console;

import dev.storyloop.device.diag.Diagnostics;
import dev.storyloop.device.firmware.Device;
import dev.storyloop.stories.run.SimRunner;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The console's view of a simulated run ({@code storyloop run STORY --console}): after each
 * simulated second it takes a snapshot of the world's devices, and it can hold the world still.
 *
 * <p>It is the runner's progress listener, so it reads the devices on the world's own thread,
 * between steps, where nothing moves. Pausing blocks that thread between two steps: virtual time
 * stops, and the run resumes exactly where it was (the run's results do not depend on it). A pace
 * (real time per simulated second) makes a run slow enough to watch.
 */
public final class SimConsole implements SimRunner.Progress {
    public static final int DEVICES_SHOWN_MAX = 50;
    public static final int WARNINGS_KEPT_MAX = 500;

    private final SimRunner.Progress delegate;
    private final long paceNanos;
    private volatile JsonObject snapshot = new JsonObject().put("mode", "sim").put("devices", new JsonArray()).put("warnings", new JsonArray());
    private final ArrayDeque<JsonObject> warnings = new ArrayDeque<>();
    private long warningSequence;
    private long warningsDropped;
    private String variant;
    private int[] lostSeen = new int[0];
    private int[] longSeen = new int[0];
    private int[] failedSeen = new int[0];
    private int[] closedSeen = new int[0];
    private boolean paused; // guarded by this

    public SimConsole(SimRunner.Progress delegate, long paceNanos) {
        if (paceNanos < 0) throw new IllegalArgumentException("pace must be >= 0");
        this.delegate = delegate;
        this.paceNanos = paceNanos;
    }

    @Override
    public void update(String variant, double simulatedSeconds, double totalSeconds, long events) {
        delegate.update(variant, simulatedSeconds, totalSeconds, events);
    }

    @Override
    public void stepped(String variantName, long nowNanos, List<Device> devices, List<Diagnostics> diagnostics) {
        if (!variantName.equals(variant)) {
            variant = variantName;
            lostSeen = new int[devices.size()];
            longSeen = new int[devices.size()];
            failedSeen = new int[devices.size()];
            closedSeen = new int[devices.size()];
        }
        for (int i = 0; i < devices.size(); i++) {
            Diagnostics d = diagnostics.get(i);
            String id = devices.get(i).config().deviceId();
            for (; lostSeen[i] < d.lostWakers().size(); lostSeen[i]++) keep(LiveProbe.warning(id, d.lostWakers().get(lostSeen[i]), nowNanos));
            for (; longSeen[i] < d.longPolls().size(); longSeen[i]++) keep(LiveProbe.warning(id, d.longPolls().get(longSeen[i]), nowNanos));
            for (; failedSeen[i] < d.failedTaskReports().size(); failedSeen[i]++) {
                keep(LiveProbe.warning(id, d.failedTaskReports().get(failedSeen[i]), nowNanos));
            }
            for (; closedSeen[i] < d.closedWaits().size(); closedSeen[i]++) keep(LiveProbe.warning(id, d.closedWaits().get(closedSeen[i]), nowNanos));
        }
        JsonArray shown = new JsonArray();
        for (int i = 0; i < Math.min(devices.size(), DEVICES_SHOWN_MAX); i++) {
            Device device = devices.get(i);
            shown.add(LiveProbe.describe(device.config().deviceId(), device.executor(), diagnostics.get(i), device.budget().report(), null, nowNanos)
                    .put("variant", variantName));
        }
        boolean holding;
        synchronized (this) {
            holding = paused;
        }
        snapshot = new JsonObject().put("mode", "sim").put("variant", variantName).put("nowS", nowNanos / 1e9).put("paused", holding)
                .put("devicesTotal", devices.size()).put("devices", shown);
        pace();
        synchronized (this) {
            if (paused) snapshot = snapshot.copy().put("paused", true);
            while (paused) {
                try {
                    wait();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    private void pace() {
        if (paceNanos == 0) return;
        try {
            TimeUnit.NANOSECONDS.sleep(paceNanos);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private synchronized void keep(JsonObject warning) {
        warning.put("seq", ++warningSequence).put("variant", variant);
        if (warnings.size() == WARNINGS_KEPT_MAX) {
            warnings.pollFirst();
            warningsDropped++;
        }
        warnings.addLast(warning);
    }

    /** Holds the world still at the end of the current simulated second. Any thread. */
    public synchronized void pause() {
        paused = true;
        snapshot = snapshot.copy().put("paused", true);
    }

    public synchronized void resume() {
        paused = false;
        snapshot = snapshot.copy().put("paused", false);
        notifyAll();
    }

    public synchronized boolean paused() {
        return paused;
    }

    /** The latest snapshot with every warning kept so far. */
    public JsonObject snapshot() {
        return snapshot.copy().put("warnings", new JsonArray(new ArrayList<>(warningsAfter(0))));
    }

    /** The latest snapshot without the warnings (the push stream sends those one by one). */
    JsonObject devicesOnly() {
        return snapshot;
    }

    public synchronized List<JsonObject> warningsAfter(long after) {
        List<JsonObject> out = new ArrayList<>();
        for (JsonObject w : warnings) if (w.getLong("seq") > after) out.add(w);
        return out;
    }

    public synchronized long warningsDropped() {
        return warningsDropped;
    }
}
