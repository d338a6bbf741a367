package dev.storyloop.device.sim;

import dev.storyloop.device.diag.Diagnostics;
import dev.storyloop.device.diag.LongPollReport;
import dev.storyloop.device.diag.TraceRecorder;
import dev.storyloop.device.exec.Context;
import dev.storyloop.device.exec.Executor;
import dev.storyloop.device.exec.Futures;
import dev.storyloop.device.exec.Poll;
import dev.storyloop.device.exec.Sleep;
import dev.storyloop.device.firmware.Device;
import dev.storyloop.device.firmware.FirmwareConfig;
import dev.storyloop.device.hal.Board;
import dev.storyloop.device.hal.SimBoard;
import dev.storyloop.device.hal.SimulatedGpio;
import dev.storyloop.device.time.VirtualClock;
import dev.storyloop.protocol.Authenticator;
import dev.storyloop.protocol.Topics;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A CPU per device: one device's blocking call delays that device only. The broker, the network and
 * the other devices go on at the world's time, and the broker drops the blocked device with its will
 * as Mosquitto 2.0 would.
 */
class DeviceCpuTest {
    private static final long MS = 1_000_000L;
    private static final long S = 1_000 * MS;
    private static final long SEED = 18;
    private static final int DEVICES = 100;
    private static final long PERIOD_NANOS = 100 * MS;
    private static final long STALL_NANOS = 3 * S;
    private static final long RUN_NANOS = 30 * S;
    private static final String BLOCKED = "dev-100";

    /** A board whose first blocking call at or after {@code stallAtNanos} of the device's time takes {@code stallNanos} more. */
    static final class StallingBoard implements Board {
        private final SimBoard board;
        private final long stallAtNanos;
        private final long stallNanos;
        long stalledAtNanos = -1;

        StallingBoard(VirtualClock clock, long stallAtNanos, long stallNanos) {
            this.board = new SimBoard(clock);
            this.stallAtNanos = stallAtNanos;
            this.stallNanos = stallNanos;
        }

        @Override
        public void blockFor(Context cx, long nanos) {
            if (stalledAtNanos < 0 && cx.nowNanos() >= stallAtNanos) {
                stalledAtNanos = cx.nowNanos();
                nanos += stallNanos;
            }
            board.blockFor(cx, nanos);
        }

        @Override public boolean offload(Context cx, long workNanos, Runnable job, Runnable done) { return board.offload(cx, workNanos, job, done); }
        @Override public long offloadRejected() { return board.offloadRejected(); }
        @Override public SimulatedGpio gpio() { return board.gpio(); }
        @Override public void close() { board.close(); }
        @Override public Authenticator tokenAuthenticator(byte[] key) { return board.tokenAuthenticator(key); }
    }

    /** What a subscriber next to the gateway saw: telemetry per device per simulated second, and status messages. */
    static final class Seen implements ClientListener {
        final TreeMap<String, TreeMap<Long, Integer>> perSecond = new TreeMap<>();
        final List<String> statuses = new ArrayList<>(); // "device payload at-nanos"
        SimClient client;

        @Override
        public void onConnack(boolean sessionPresent, long now) {
            client.subscribe(Topics.Kind.TELEMETRY.allDevicesFilter(), 1);
            client.subscribe(Topics.Kind.STATUS.allDevicesFilter(), 1);
        }

        @Override
        public void onMessage(Message message, int packetId, boolean duplicate, long now) {
            String topic = message.topic();
            String device = topic.substring(Topics.PREFIX.length(), topic.indexOf('/', Topics.PREFIX.length()));
            if (topic.equals(Topics.telemetry(device))) {
                perSecond.computeIfAbsent(device, d -> new TreeMap<>()).merge(now / S, 1, Integer::sum);
            } else if (topic.equals(Topics.status(device))) {
                statuses.add(device + " " + new String(message.payload(), StandardCharsets.US_ASCII) + " " + now);
            }
        }

        @Override
        public void onClosed(String reason, long now) {
            throw new AssertionError("the subscriber lost its connection: " + reason);
        }
    }

    /** One run: 100 devices; the last one's board stalls its loop for {@code stallNanos} at {@code stallAtNanos} (0: never). */
    record Run(SimWorld world, Seen seen, List<Device> devices, Diagnostics blockedDiagnostics, StallingBoard blockedBoard,
               List<String> traceDigests) {}

    private static Run run(long stallAtNanos, long stallNanos) {
        KeepaliveCheck check = KeepaliveCheck.mosquitto(SEED);
        SimWorld world = new SimWorld(SEED, BrokerLimits.MOSQUITTO_DEFAULTS, check,
                LinkProfile.lan().withLatency(Distribution.constant(2 * MS)), new VirtualClock(), SimWorld.EVENT_CAPACITY_DEFAULT);
        Seen seen = new Seen();
        seen.client = world.client("gateway", seen);
        seen.client.connect(true, 0, null);
        world.runFor(20 * MS);
        List<Device> devices = new ArrayList<>();
        Diagnostics blockedDiagnostics = null;
        StallingBoard blockedBoard = null;
        List<TraceRecorder> traces = new ArrayList<>();
        for (int n = 1; n <= DEVICES; n++) {
            String id = "dev-" + n;
            FirmwareConfig.Builder config = FirmwareConfig.builder(id).seed(SEED * 1_000 + n).samplePeriodNanos(PERIOD_NANOS)
                    .keepAliveSeconds(1);
            SimTransport transport = new SimTransport(world, id);
            Board board;
            if (id.equals(BLOCKED)) {
                // Its token refresh calls the HMAC library inline every 200 ms (taking no time), so the
                // stall begins within 200 ms of stallAt.
                config.hmacInline(true).hmacTiming(0, 0, 1).tokenRefresh(200 * MS, 10 * S);
                blockedBoard = new StallingBoard(world.clock(), stallAtNanos == 0 ? Long.MAX_VALUE : stallAtNanos, stallNanos);
                board = blockedBoard;
            } else {
                board = new SimBoard(world.clock());
            }
            Device device = Device.boot(config.build(), world.clock(), transport, board);
            Diagnostics diagnostics = Diagnostics.attach(device.executor());
            if (id.equals(BLOCKED)) blockedDiagnostics = diagnostics;
            TraceRecorder trace = new TraceRecorder(id, null);
            device.executor().addObserver(trace);
            traces.add(trace);
            world.add(device.executor(), transport);
            device.start();
            devices.add(device);
        }
        world.runUntil(() -> world.nowNanos() >= RUN_NANOS, RUN_NANOS);
        return new Run(world, seen, devices, blockedDiagnostics, blockedBoard, traces.stream().map(TraceRecorder::digestHex).toList());
    }

    /** Spawns a task on {@code executor} that ticks every 100 ms, {@code ticks} times, recording its time; at tick {@code stallAt} it blocks. */
    private static List<Long> ticker(Executor executor, SimBoard board, int ticks, int stallAt, long stallNanos) {
        List<Long> times = new ArrayList<>();
        Sleep tick = Sleep.forNanos(100 * MS);
        executor.spawn("ticker", Futures.of(cx -> {
            while (times.size() < ticks) {
                if (tick.poll(cx) == Poll.PENDING) return Poll.PENDING;
                times.add(cx.nowNanos());
                if (times.size() == stallAt) board.blockFor(cx, stallNanos);
                tick.reset(100 * MS);
            }
            return Poll.READY;
        }));
        return times;
    }

    @Test
    void shouldDelayOnlyTheBusyExecutorsPollsAndTimersWhileTheWorldGoesOn() {
        SimWorld world = new SimWorld(SEED, BrokerLimits.MOSQUITTO_DEFAULTS, LinkProfile.lan());
        SimBoard board = new SimBoard(world.clock());
        Executor a = Executor.builder("a").clock(world.clock()).build();
        Executor b = Executor.builder("b").clock(world.clock()).build();
        world.add(a);
        world.add(b);
        List<Long> aTicks = ticker(a, board, 8, 5, 3 * S);
        List<Long> bTicks = ticker(b, board, 40, 0, 0);
        List<Long> worldEvents = new ArrayList<>();
        for (long at = S; at <= 3 * S; at += S) world.at(at, () -> worldEvents.add(world.nowNanos()));

        world.runFor(5 * S);

        // a: ticks at 0.1 .. 0.5 s, then its poll spends 3 s; its next sleep counts from its own 3.5 s.
        assertThat(aTicks).containsExactly(100 * MS, 200 * MS, 300 * MS, 400 * MS, 500 * MS, 3_600 * MS, 3_700 * MS, 3_800 * MS);
        // b and the world's own events keep their times.
        for (int k = 0; k < bTicks.size(); k++) assertThat(bTicks.get(k)).as("b's tick " + (k + 1)).isEqualTo((k + 1) * 100 * MS);
        assertThat(bTicks).hasSize(40);
        assertThat(worldEvents).containsExactly(S, 2 * S, 3 * S);
        assertThat(world.nowNanos()).isEqualTo(5 * S);
    }

    @Test
    void shouldKeepEveryOtherDevicesRateWhileOneDeviceBlocksPastItsKeepaliveAndPublishItsWill() {
        // The device's keepalive is 1 s: Mosquitto 2.0 closes it at a walk (every 6 s from the broker's
        // start, in its whole seconds) that finds more than 1 whole second since its last packet. A 3 s
        // stall between two walks goes unnoticed (story 2), so the stall is placed to hold the walk of
        // second 18: it begins 2.3 to 2.5 s before that walk, whose second is then at least 2 past the
        // second of the device's last packet, and ends about 0.5 s after it.
        KeepaliveCheck check = KeepaliveCheck.mosquitto(SEED);
        assertThat(check.second(0)).as("the broker's walks count from second 0").isZero();
        long walkNanos = check.secondStartNanos(18);
        Run stalled = run(walkNanos - 2_500 * MS, STALL_NANOS);
        Run baseline = run(0, 0);

        long stalledAt = stalled.blockedBoard().stalledAtNanos;
        assertThat(stalledAt).as("the stall began before the walk, within one refresh of its time")
                .isBetween(walkNanos - 2_500 * MS, walkNanos - 2_300 * MS);
        List<LongPollReport> longPolls = stalled.blockedDiagnostics().longPolls();
        assertThat(longPolls).as("the blocked device's loop stood still for 3 s, once").hasSize(1);
        assertThat(longPolls.get(0).task()).isEqualTo("token-refresh");
        assertThat(longPolls.get(0).durationNanos()).isEqualTo(STALL_NANOS);

        // The 99: every telemetry frame in the same simulated second as without the stall, 10 a second.
        for (int n = 1; n < DEVICES; n++) {
            String id = "dev-" + n;
            TreeMap<Long, Integer> rate = stalled.seen().perSecond.get(id);
            assertThat(rate).as(id + ": readings received per simulated second").isEqualTo(baseline.seen().perSecond.get(id));
            for (long second = 1; second < RUN_NANOS / S; second++) {
                assertThat(rate.get(second)).as(id + " in second " + second).isEqualTo(10);
            }
            Device device = stalled.devices().get(n - 1);
            assertThat(device.stats().published()).as(id + " published").isEqualTo(baseline.devices().get(n - 1).stats().published());
            assertThat(device.stats().connectionsLost()).as(id + " connections lost").isZero();
        }

        assertThat(stalled.traceDigests().subList(0, DEVICES - 1)).as("the 99's traces, event by event and time by time")
                .isEqualTo(baseline.traceDigests().subList(0, DEVICES - 1));
        assertThat(stalled.traceDigests().get(DEVICES - 1)).isNotEqualTo(baseline.traceDigests().get(DEVICES - 1));

        // The one: dropped by the broker's walk during its stall, its will seen by the subscriber.
        assertThat(stalled.world().broker().stats().keepaliveCloses()).isEqualTo(1);
        assertThat(stalled.world().broker().stats().wills()).isEqualTo(1);
        List<String> offline = stalled.seen().statuses.stream().filter(s -> s.contains(" offline ")).toList();
        assertThat(offline).as("only the blocked device ever went offline").hasSize(1).allMatch(s -> s.startsWith(BLOCKED + " "));
        long willSeenAt = Long.parseLong(offline.get(0).substring(offline.get(0).lastIndexOf(' ') + 1));
        assertThat(willSeenAt).as("the will, seen while the device was still blocked").isBetween(walkNanos, stalledAt + STALL_NANOS);
        Device blocked = stalled.devices().get(DEVICES - 1);
        assertThat(blocked.stats().connectionsLost()).as("the device heard of it once it was free").isEqualTo(1);
        assertThat(stalled.seen().statuses).as("and came back online").last().asString().startsWith(BLOCKED + " online ");
        TreeMap<Long, Integer> blockedRate = stalled.seen().perSecond.get(BLOCKED);
        long stallSecond = stalledAt / S;
        assertThat(blockedRate.get(stallSecond + 1)).as("no reading taken or sent in the stall's middle second").isNull();

        // Without the stall nobody is dropped.
        assertThat(baseline.world().broker().stats().wills()).isZero();
        assertThat(baseline.seen().statuses).noneMatch(s -> s.contains(" offline "));
        stalled.world().checkBalance();
        baseline.world().checkBalance();
    }

    @Test
    void shouldGiveTheSameTracesForTheSameSeedWithADeviceBusy() {
        long stallAt = KeepaliveCheck.mosquitto(SEED).secondStartNanos(18) - 2_500 * MS;
        Run first = run(stallAt, STALL_NANOS);
        Run second = run(stallAt, STALL_NANOS);
        assertThat(second.traceDigests()).isEqualTo(first.traceDigests());
        assertThat(second.seen().perSecond).isEqualTo(first.seen().perSecond);
        assertThat(second.seen().statuses).isEqualTo(first.seen().statuses);
    }
}
