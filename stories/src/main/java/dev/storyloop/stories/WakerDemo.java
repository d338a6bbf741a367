package dev.storyloop.stories;

import dev.storyloop.device.chan.Channel;
import dev.storyloop.device.chan.OverflowPolicy;
import dev.storyloop.device.chan.Signal;
import dev.storyloop.device.diag.Diagnostics;
import dev.storyloop.device.diag.LostWakerReport;
import dev.storyloop.device.diag.TraceRecorder;
import dev.storyloop.device.exec.Context;
import dev.storyloop.device.exec.Executor;
import dev.storyloop.device.exec.Future;
import dev.storyloop.device.exec.Poll;
import dev.storyloop.device.exec.Sleep;
import dev.storyloop.device.exec.WakeSource;
import dev.storyloop.device.exec.WakerSlot;
import dev.storyloop.device.memory.MemoryBudget;
import dev.storyloop.device.time.Timer;
import dev.storyloop.device.time.VirtualClock;

import java.util.List;
import java.util.SplittableRandom;

/**
 * A small device on the executor that reproduces the launch post's lost wake-up, in virtual time.
 *
 * <p>Three tasks: a sampler puts a reading on a bounded uplink queue every 100 ms; a publisher
 * takes readings off it, and needs a valid token to publish; a token-refresh task renews the
 * token every 10 s through a hand-written future around a synchronous C HMAC library. On the rare
 * path where the library refreshes from the source of truth (1 refresh in {@value #SOURCE_OF_TRUTH_ONE_IN},
 * decided by the seeded PRNG) the buggy future never hands over its waker: the refresh never
 * finishes, the token expires, the publisher waits for ever, the queue fills, and the sampler is
 * backpressured. The fixed future registers its waker on every path.
 */
public final class WakerDemo {
    public static final int SOURCE_OF_TRUTH_ONE_IN = 8;
    private static final long MS = 1_000_000L;
    private static final long REFRESH_PERIOD_NANOS = 10_000 * MS;
    private static final long TOKEN_LIFETIME_NANOS = 15_000 * MS;
    private static final long SAMPLE_PERIOD_NANOS = 100 * MS;
    private static final long PUBLISH_COST_NANOS = 5 * MS;
    private static final long HMAC_FAST_NANOS = 2 * MS;
    private static final long HMAC_SOURCE_OF_TRUTH_NANOS = 40 * MS;
    private static final int UPLINK_CAPACITY = 16;

    /** What one run showed. */
    public record Result(long seed, boolean fixed, long virtualNanos, long sampled, long published, long refreshes,
                         long sendWaits, int peakDepth, List<LostWakerReport> lostWakers, String memoryMap,
                         String dump, String traceDigest, long traceEvents) {}

    private WakerDemo() {}

    public static Result run(long seed, boolean fixed, long durationNanos) {
        VirtualClock clock = new VirtualClock();
        MemoryBudget budget = new MemoryBudget("device 'pi-1'", 16 * 1024);
        Executor executor = Executor.builder("pi-1").clock(clock).taskCapacity(4).timerCapacity(8).budget(budget).build();
        Channel<Long> uplink = Channel.create(budget, "uplink", UPLINK_CAPACITY, 64, OverflowPolicy.BLOCK);
        budget.seal();
        Diagnostics diagnostics = Diagnostics.attach(executor);
        TraceRecorder trace = TraceRecorder.digestOnly(executor.name());
        executor.addObserver(trace);
        Signal<Long> tokens = new Signal<>("token");
        long[] tokenExpiry = {0};
        Sampler sampler = new Sampler(uplink);
        Publisher publisher = new Publisher(uplink, tokens, tokenExpiry);
        TokenRefresher refresher = new TokenRefresher(new SplittableRandom(seed), fixed, tokens, tokenExpiry);
        executor.spawn("sampler", sampler);
        executor.spawn("publisher", publisher);
        executor.spawn("token-refresh", refresher);

        executor.runFor(durationNanos);

        return new Result(seed, fixed, clock.nanos(), sampler.sampled, publisher.published, refresher.refreshes,
                uplink.stats().sendWaits(), uplink.stats().peakDepth(), diagnostics.lostWakers(), budget.report(),
                diagnostics.dump(), trace.digestHex(), trace.events());
    }

    /** A reading every 100 ms onto the uplink queue; waits when the queue is full. */
    static final class Sampler implements Future<Void> {
        private final Channel.Sender<Long> out;
        private final Sleep tick = Sleep.forNanos(SAMPLE_PERIOD_NANOS);
        private Future<Void> sending;
        long sampled;

        Sampler(Channel<Long> uplink) {
            this.out = uplink.sender();
        }

        @Override
        public Poll poll(Context cx) {
            while (true) {
                if (sending != null) {
                    if (sending.poll(cx) == Poll.PENDING) return Poll.PENDING;
                    sending = null;
                    tick.reset(SAMPLE_PERIOD_NANOS);
                }
                if (tick.poll(cx) == Poll.PENDING) return Poll.PENDING;
                sampled++;
                sending = out.send(sampled);
            }
        }

        @Override public Void output() { return null; }
    }

    /** Takes readings off the queue and publishes them (5 ms each), with a token that has not expired. */
    static final class Publisher implements Future<Void> {
        private final Channel.Receiver<Long> in;
        private final Signal<Long> tokens;
        private final long[] tokenExpiry;
        private final Sleep publishing = Sleep.forNanos(PUBLISH_COST_NANOS);
        private Future<Long> receiving;
        private Future<Long> awaitingToken;
        private boolean busy;
        long published;

        Publisher(Channel<Long> uplink, Signal<Long> tokens, long[] tokenExpiry) {
            this.in = uplink.receiver();
            this.tokens = tokens;
            this.tokenExpiry = tokenExpiry;
        }

        @Override
        public Poll poll(Context cx) {
            while (true) {
                if (busy) {
                    if (publishing.poll(cx) == Poll.PENDING) return Poll.PENDING;
                    busy = false;
                    published++;
                }
                if (cx.nowNanos() >= tokenExpiry[0]) {
                    if (awaitingToken == null) awaitingToken = tokens.await();
                    if (awaitingToken.poll(cx) == Poll.PENDING) return Poll.PENDING;
                    awaitingToken = null;
                    continue;
                }
                if (receiving == null) receiving = in.recv();
                if (receiving.poll(cx) == Poll.PENDING) return Poll.PENDING;
                receiving = null;
                busy = true;
                publishing.reset(PUBLISH_COST_NANOS);
            }
        }

        @Override public Void output() { return null; }
    }

    /** Every 10 s: refresh the token through the HMAC library, then hand it to the publisher. */
    static final class TokenRefresher implements Future<Void> {
        private final Sleep period = Sleep.forNanos(0);
        private final HmacRefresh refresh;
        private final Signal<Long> tokens;
        private final long[] tokenExpiry;
        private boolean refreshing;
        long refreshes;

        TokenRefresher(SplittableRandom random, boolean fixed, Signal<Long> tokens, long[] tokenExpiry) {
            this.refresh = new HmacRefresh(random, fixed);
            this.tokens = tokens;
            this.tokenExpiry = tokenExpiry;
        }

        @Override
        public Poll poll(Context cx) {
            while (true) {
                if (refreshing) {
                    if (refresh.poll(cx) == Poll.PENDING) return Poll.PENDING;
                    refreshing = false;
                    refreshes++;
                    tokenExpiry[0] = cx.nowNanos() + TOKEN_LIFETIME_NANOS;
                    tokens.signal(refreshes);
                    period.reset(REFRESH_PERIOD_NANOS);
                }
                if (period.poll(cx) == Poll.PENDING) return Poll.PENDING;
                refresh.start();
                refreshing = true;
            }
        }

        @Override public Void output() { return null; }
    }

    /**
     * The hand-written future around the synchronous C library: the library finishes on its own
     * worker (modelled by a timer) and the future is supposed to be woken then.
     */
    static final class HmacRefresh implements Future<Void>, WakeSource {
        private final SplittableRandom random;
        private final boolean fixed;
        private final WakerSlot completion = new WakerSlot();
        private final Timer library = new Timer() {
            @Override
            protected void onFire(long nowNanos) {
                finished = true;
                completion.wake(HmacRefresh.this);
            }
        };
        private boolean started;
        private boolean finished;
        private boolean fromSourceOfTruth;

        HmacRefresh(SplittableRandom random, boolean fixed) {
            this.random = random;
            this.fixed = fixed;
        }

        void start() {
            started = false;
            finished = false;
        }

        @Override
        public Poll poll(Context cx) {
            if (!started) {
                started = true;
                fromSourceOfTruth = random.nextInt(SOURCE_OF_TRUTH_ONE_IN) == 0;
                long work = fromSourceOfTruth ? HMAC_SOURCE_OF_TRUTH_NANOS : HMAC_FAST_NANOS;
                cx.timers().arm(library, cx.nowNanos() + work);
            }
            if (finished) return Poll.READY;
            // The bug: on the refresh-from-source path the waker is never handed to the library.
            if (!fromSourceOfTruth || fixed) completion.register(cx);
            cx.waitingOn(this);
            return Poll.PENDING;
        }

        @Override public Void output() { return null; }

        @Override
        public String wakeSourceName() {
            return "hmac-library";
        }

        @Override
        public String toString() {
            return fromSourceOfTruth ? "HMAC refresh from the source of truth" : "HMAC refresh";
        }
    }
}
