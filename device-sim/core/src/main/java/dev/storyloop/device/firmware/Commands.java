package dev.storyloop.device.firmware;

import dev.storyloop.device.chan.OverflowPolicy;
import dev.storyloop.device.exec.Context;
import dev.storyloop.device.exec.Future;
import dev.storyloop.device.exec.JoinHandle;
import dev.storyloop.device.exec.Poll;
import dev.storyloop.device.exec.Sleep;
import dev.storyloop.device.net.InboundMessage;
import dev.storyloop.protocol.AckStatus;
import dev.storyloop.protocol.CommandCode;
import dev.storyloop.protocol.DecodeResult;
import dev.storyloop.protocol.Frame;
import dev.storyloop.protocol.FrameCodec;
import dev.storyloop.protocol.FrameType;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Optional;

/**
 * The inbound task: commands from the gateway (acted on, then acknowledged with their gateway
 * epoch, correlation id and a status) and flow-control credits (handed to the uplink).
 *
 * <p>Every inbound frame is decoded strictly and its tag checked with the device's own key; a frame
 * that fails, or names another device, is counted and ignored. A command delivered twice (QoS 1
 * redelivery) is acknowledged again with its first status but not executed twice: the last
 * {@link #RECENT_COMMANDS} (epoch, correlation id) pairs are remembered. The pair, not the id alone:
 * a restarted gateway numbers its commands from 1 again under a new epoch, and its command 1 is a
 * new command, not a redelivery of the old process's command 1. A reboot is acknowledged first, then
 * done, so the gateway hears of it.
 */
final class Commands implements Future<Void> {
    static final int RECENT_COMMANDS = 8;
    static final int BLINKS_MAX = 50;

    private final Device device;
    // The decoder, the frames and the recent commands are made at the first inbound message: most
    // devices of a fleet never receive one, and they were 1.4 kB of each (two frames, a codec and a
    // buffer). Their RAM is reserved in the budget at boot all the same ("frame scratch").
    private FrameCodec codec;
    private Frame frame;
    private Frame ack;
    private long[] recentEpochs;
    private long[] recentIds;
    private AckStatus[] recentStatus;
    private int recentNext;
    private long ackSequence;
    static final long REAP_PERIOD_NANOS = 1_000_000_000L;

    private Future<InboundMessage> receiving;
    private Future<Boolean> acking;
    private boolean rebootAfterAck;
    // request tasks (request signing on): their handles and start times, a fixed table
    private final HmacBudget budget;
    private final JoinHandle<Void>[] requests;
    private final long[] requestStarted;
    private final Sleep reaper;

    @SuppressWarnings("unchecked")
    Commands(Device device) {
        this.device = device;
        FirmwareConfig config = device.config;
        boolean signing = config.requestSigning();
        this.budget = device.hmacCache;
        this.requests = signing ? new JoinHandle[config.requestSlots()] : new JoinHandle[0];
        this.requestStarted = new long[requests.length];
        this.reaper = signing ? Sleep.forNanos(REAP_PERIOD_NANOS) : null;
    }

    @Override
    public Poll poll(Context cx) {
        while (true) {
            reapHungRequests(cx);
            if (pollAck(cx) == Poll.PENDING) return Poll.PENDING;
            if (rebootAfterAck) {
                rebootAfterAck = false;
                device.control.signal(Device.Control.REBOOT);
                return Poll.PENDING; // the supervisor aborts this task next
            }
            if (receiving == null) receiving = device.transport.receive();
            if (receiving.poll(cx) == Poll.PENDING) return Poll.PENDING;
            InboundMessage message = receiving.output();
            receiving = null;
            handle(cx, message);
        }
    }

    /** Waits for the ack being published, if any, and counts how it went. */
    Poll pollAck(Context cx) {
        if (acking == null) return Poll.READY;
        if (acking.poll(cx) == Poll.PENDING) return Poll.PENDING;
        if (Boolean.TRUE.equals(acking.output())) device.stats.acksSent++;
        else device.stats.acksLost++;
        acking = null;
        return Poll.READY;
    }

    /** Acts on one inbound message; a command's ack is then awaited with {@link #pollAck}. */
    void handle(Context cx, InboundMessage message) {
        if (codec == null) allocate();
        boolean isCommand = message.topic().equals(device.cmdTopic);
        if (!isCommand && !message.topic().equals(device.flowTopic)) {
            device.stats.inboundRejected++;
            return;
        }
        ByteBuffer in = ByteBuffer.wrap(message.payload());
        DecodeResult result = codec.decode(in, frame);
        if (result == DecodeResult.OK) result = codec.verify(in, 0, device.frameAuthenticator);
        if (result != DecodeResult.OK || !frame.deviceIdEquals(device.config.deviceId())
                || frame.type() != (isCommand ? FrameType.COMMAND : FrameType.CREDIT)) {
            device.stats.inboundRejected++;
            if (isCommand) device.stats.commandsRejected++;
            return;
        }
        if (isCommand) command(cx);
        else credit();
    }

    /** Makes what handling a message needs, once, at the first message. */
    private void allocate() {
        codec = new FrameCodec();
        frame = new Frame();
        ack = new Frame();
        recentEpochs = new long[RECENT_COMMANDS];
        recentIds = new long[RECENT_COMMANDS];
        recentStatus = new AckStatus[RECENT_COMMANDS];
        Arrays.fill(recentIds, -1);
    }

    private void credit() {
        device.stats.creditsReceived++;
        device.credits = frame.credits() == Frame.U32_MAX ? Device.UNLIMITED : frame.credits();
        long rate = frame.rateMilliHz();
        device.rateIntervalNanos = rate == Frame.U32_MAX ? 0 : rate == 0 ? Long.MAX_VALUE / 4 : 1_000_000_000_000L / rate;
        device.uplinkConditionsChanged();
    }

    private void command(Context cx) {
        device.stats.commandsReceived++;
        long epoch = frame.epoch();
        long correlationId = frame.correlationId();
        AckStatus status = recentStatus(epoch, correlationId);
        if (status != null) {
            device.stats.commandsDuplicate++;
        } else {
            status = execute(frame.command(), frame.argument());
            remember(epoch, correlationId, status);
            rebootAfterAck = frame.command() == CommandCode.REBOOT && status == AckStatus.OK;
        }
        CommandCode code = frame.command();
        byte[] answer = encodeAck(cx, epoch, correlationId, status);
        if (device.config.requestSigning() && code != CommandCode.REBOOT) {
            if (startRequest(cx, answer)) return;
            device.stats.requestsBusy++; // no request slot free: answer at once that the device is busy
            answer = encodeAck(cx, epoch, correlationId, AckStatus.BUSY);
        }
        acking = device.transport.publish(device.ackTopic, answer, 1, false);
    }

    /** An ACK echoes the command's epoch and id under the device's tag; ACKs count their own sequence from 0, apart from telemetry's. */
    private byte[] encodeAck(Context cx, long epoch, long correlationId, AckStatus status) {
        ack.reset(FrameType.ACK, device.config.deviceId(), ackSequence, device.timestampMillis(cx.nowNanos())).ack(epoch, correlationId, status);
        ackSequence = ackSequence == Frame.U32_MAX ? 0 : ackSequence + 1;
        return codec.encode(ack, device.frameAuthenticator);
    }

    /** Starts a request task for the signed answer; false when every request slot is taken. */
    private boolean startRequest(Context cx, byte[] answer) {
        for (int i = 0; i < requests.length; i++) {
            if (requests[i] != null && !requests[i].isDone()) continue;
            Optional<JoinHandle<Void>> started = cx.spawner().trySpawn("request", new Request(device, budget, answer));
            if (started.isEmpty()) return false;
            requests[i] = started.get();
            requestStarted[i] = cx.nowNanos();
            device.stats.requests++;
            return true;
        }
        return false;
    }

    /** Stops request tasks older than the request timeout (a hung one would hold its slot for ever). */
    private void reapHungRequests(Context cx) {
        if (reaper == null) return;
        while (reaper.poll(cx) == Poll.READY) {
            long now = cx.nowNanos();
            for (int i = 0; i < requests.length; i++) {
                if (requests[i] == null || requests[i].isDone()) continue;
                if (now - requestStarted[i] < device.config.requestTimeoutNanos()) continue;
                requests[i].abort();
                requests[i] = null;
                device.stats.requestsAbandoned++;
            }
            reaper.reset(REAP_PERIOD_NANOS);
        }
    }

    private AckStatus execute(CommandCode command, int argument) {
        switch (command) {
            case SET_SAMPLE_PERIOD: {
                long periodNanos = argument * 1_000_000L;
                if (periodNanos < FirmwareConfig.SAMPLE_PERIOD_MIN_NANOS || periodNanos > FirmwareConfig.SAMPLE_PERIOD_MAX_NANOS) {
                    return AckStatus.BAD_ARGUMENT;
                }
                device.samplePeriodNanos = periodNanos;
                return AckStatus.OK;
            }
            case SET_OVERFLOW_POLICY: {
                OverflowPolicy[] policies = {OverflowPolicy.BLOCK, OverflowPolicy.DROP_OLDEST, OverflowPolicy.DROP_NEWEST};
                if (argument < 0 || argument >= policies.length) return AckStatus.BAD_ARGUMENT;
                device.uplink.policy(policies[argument]);
                return AckStatus.OK;
            }
            case BLINK:
                if (argument < 1 || argument > BLINKS_MAX) return AckStatus.BAD_ARGUMENT;
                device.blinkRequests.signal(argument);
                return AckStatus.OK;
            case REBOOT:
                return AckStatus.OK;
            default:
                return AckStatus.UNKNOWN_COMMAND;
        }
    }

    private AckStatus recentStatus(long epoch, long correlationId) {
        for (int i = 0; i < RECENT_COMMANDS; i++) {
            if (recentIds[i] == correlationId && recentEpochs[i] == epoch) return recentStatus[i];
        }
        return null;
    }

    private void remember(long epoch, long correlationId, AckStatus status) {
        recentEpochs[recentNext] = epoch;
        recentIds[recentNext] = correlationId;
        recentStatus[recentNext] = status;
        recentNext = (recentNext + 1) % RECENT_COMMANDS;
    }

    @Override
    public Void output() {
        return null;
    }

    @Override
    public void cancel() {
        if (receiving != null) receiving.cancel();
        if (acking != null) acking.cancel();
        if (reaper != null) reaper.cancel();
        for (JoinHandle<Void> request : requests) {
            if (request != null) request.abort();
        }
    }

    @Override
    public String toString() {
        return "commands";
    }
}
