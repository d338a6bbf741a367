package dev.storyloop.device.firmware;

import dev.storyloop.device.exec.Context;
import dev.storyloop.device.exec.Future;
import dev.storyloop.device.exec.Poll;
import dev.storyloop.device.exec.Sleep;
import dev.storyloop.device.exec.WaitNode;
import dev.storyloop.device.exec.WakeSource;
import dev.storyloop.device.exec.WakerSlot;

import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;
import java.util.function.LongPredicate;

/**
 * The token-refresh task: at boot and then every refresh period, signs a fresh token with HMAC
 * through the board's synchronous C library, and hands the uplink a new expiry.
 *
 * <p>The library usually answers in {@code hmacFastNanos}; once in {@code sourceOfTruthOneIn}
 * refreshes (drawn from the device's seeded generator) it refreshes from the "source of truth"
 * and takes {@code hmacSourceOfTruthNanos}. How the call is made is where the stories live:
 * <ul>
 *   <li>default: offloaded to the board's worker; the hand-written future registers its waker on
 *       every path, and the worker's completion wakes it;</li>
 *   <li>{@code hmac.inline}: called on the loop thread, so every other task stalls for as long as
 *       the library takes (the long-poll report names this task);</li>
 *   <li>{@code refresh.loses-wake}: on the source-of-truth path the future returns Pending without
 *       registering its waker, so the completion wakes nobody and the task hangs for ever (the
 *       lost-waker report names it), exactly the launch post's bug.</li>
 * </ul>
 * With request signing on, the slow path is the library's cache running out
 * ({@code hmac-budget-per-second}, shared with the request tasks), not a random draw: the cache is
 * full at boot, so the boot-time token never takes the slow path and a lost waker there cannot stop
 * a device from ever publishing.
 */
final class TokenRefresh implements Future<Void> {
    private final Device device;
    private final Sleep period = Sleep.forNanos(0);
    private final HmacCall call;
    private boolean calling = true; // the first token is made at boot

    TokenRefresh(Device device) {
        this.device = device;
        SplittableRandom random = new SplittableRandom(device.config.seed() * 17 + device.boots());
        HmacBudget cache = device.hmacCache;
        // With request signing on, the library's cache decides its slow path for every caller, so a
        // token made at boot (the first signature of its second) comes from the cache; otherwise one
        // refresh in sourceOfTruthOneIn goes to the source of truth.
        this.call = new HmacCall(device, now -> {
            boolean slow = cache != null ? cache.fromSourceOfTruth(now) : random.nextInt(device.config.sourceOfTruthOneIn()) == 0;
            if (slow) device.stats.refreshesFromSourceOfTruth++;
            return slow;
        });
    }

    @Override
    public Poll poll(Context cx) {
        while (true) {
            if (calling) {
                if (call.poll(cx) == Poll.PENDING) return Poll.PENDING;
                calling = false;
                device.stats.refreshes++;
                device.tokenExpiresNanos = cx.nowNanos() + device.config.tokenLifetimeNanos();
                device.uplinkConditionsChanged();
                period.reset(device.config.tokenRefreshPeriodNanos());
            }
            if (period.poll(cx) == Poll.PENDING) return Poll.PENDING;
            call.start();
            calling = true;
        }
    }

    @Override
    public Void output() {
        return null;
    }

    @Override
    public void cancel() {
        period.cancel();
        call.cancel();
    }

    @Override
    public String toString() {
        return "token refresh";
    }

    /** The hand-written future around the synchronous HMAC library (token refreshes, and signed responses to requests). */
    static final class HmacCall implements Future<Void>, WakeSource, WaitNode {
        private static final long OFFLOAD_RETRY_NANOS = 10 * FirmwareConfig.MS;
        private final Device device;
        private final LongPredicate fromSourceOfTruthAt;
        private final WakerSlot completion = new WakerSlot();
        private final Sleep retry = Sleep.forNanos(0);
        private final byte[] token = new byte[16];
        private final Runnable sign = this::sign;
        private final Runnable finish = this::finish;
        private boolean started;
        private boolean offloaded;
        private volatile boolean finished;
        private boolean fromSourceOfTruth;
        private long counter;

        /** {@code fromSourceOfTruthAt} decides, when a call starts, whether it takes the library's slow path. */
        HmacCall(Device device, LongPredicate fromSourceOfTruthAt) {
            this.device = device;
            this.fromSourceOfTruthAt = fromSourceOfTruthAt;
        }

        void start() {
            started = false;
            offloaded = false;
            finished = false;
        }

        @Override
        public Poll poll(Context cx) {
            FirmwareConfig config = device.config;
            if (!started) {
                started = true;
                fromSourceOfTruth = fromSourceOfTruthAt.test(cx.nowNanos());
            }
            long workNanos = fromSourceOfTruth ? config.hmacSourceOfTruthNanos() : config.hmacFastNanos();
            if (config.hmacInline()) {
                device.board.blockFor(cx, workNanos); // every other task waits while the C library works
                sign();
                return Poll.READY;
            }
            if (!offloaded) {
                if (!device.board.offload(cx, workNanos, sign, finish)) {
                    retry.reset(OFFLOAD_RETRY_NANOS); // the worker is busy: ask again shortly
                    return retry.poll(cx);
                }
                offloaded = true;
            }
            if (finished) return Poll.READY;
            if (!(config.refreshLosesWake() && fromSourceOfTruth)) {
                completion.register(cx);
                if (finished) { // the worker may finish between the check and the registration
                    completion.clear();
                    return Poll.READY;
                }
            }
            // With refresh.loses-wake on this path, nothing will ever wake this task: the bug.
            cx.waitingOn(this);
            return Poll.PENDING;
        }

        private void sign() {
            byte[] claims = (device.config.deviceId() + ":" + counter++).getBytes(StandardCharsets.US_ASCII);
            device.tokenAuthenticator.tag(claims, 0, claims.length, token, 0);
        }

        private void finish() {
            finished = true;
            completion.wakeFromAnyThread(this); // the board's worker live, the loop simulated
        }

        @Override
        public Void output() {
            return null;
        }

        @Override
        public void cancel() {
            completion.clear();
            retry.cancel();
        }

        @Override
        public String wakeSourceName() {
            return "hmac-library";
        }

        @Override
        public String waitLabel(long nowNanos) {
            return this + " (board worker)";
        }

        /** The worker's completion holds the waker once registered; the loses-wake path never registers it. */
        @Override
        public String wakerHolder() {
            return completion.isRegistered() ? "board worker" : null;
        }

        @Override
        public String toString() {
            return fromSourceOfTruth ? "HMAC refresh from the source of truth" : "HMAC refresh";
        }
    }
}
