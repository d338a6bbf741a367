package dev.storyloop.device.firmware;

import dev.storyloop.protocol.AckStatus;
import dev.storyloop.protocol.DecodeResult;
import dev.storyloop.protocol.DeviceKeys;
import dev.storyloop.protocol.Frame;
import dev.storyloop.protocol.FrameCodec;
import dev.storyloop.protocol.FrameType;
import dev.storyloop.protocol.JcaAuthenticator;
import dev.storyloop.protocol.Topics;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.BitSet;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * The tests' stand-in for the gateway's books: decodes every frame it is given, checks its tag
 * with the development fleet's key, and counts per device which sequence numbers arrived.
 * Synchronized: live tests feed it from Paho's callback thread.
 */
final class FrameLedger {
    private final FrameCodec codec = new FrameCodec();
    private final Frame frame = new Frame();
    private final Map<String, JcaAuthenticator> keys = new HashMap<>();
    private final Map<String, BitSet> seen = new TreeMap<>();
    private final Map<String, Long> duplicates = new TreeMap<>();
    private final Map<Long, AckStatus> acks = new HashMap<>();
    private final Map<String, AckStatus> acksByEpoch = new HashMap<>();
    private final Map<String, String> status = new TreeMap<>();
    private long telemetry;
    private long rejected;
    private String lastRejection;

    synchronized void accept(String topic, byte[] payload) {
        Topics.Parsed parsed = Topics.parse(topic);
        if (!parsed.ok()) {
            reject("topic: " + parsed.rejection());
            return;
        }
        if (parsed.kind() == Topics.Kind.STATUS) {
            status.put(parsed.deviceId(), new String(payload, StandardCharsets.UTF_8));
            return;
        }
        ByteBuffer in = ByteBuffer.wrap(payload);
        DecodeResult result = codec.decodeAndVerify(in, frame,
                f -> keys.computeIfAbsent(f.deviceId(), id -> new JcaAuthenticator(DeviceKeys.development(id))));
        if (result != DecodeResult.OK) {
            reject(result.reason());
            return;
        }
        if (!frame.deviceIdEquals(parsed.deviceId())) {
            reject("device id differs from the topic's");
            return;
        }
        if (frame.type() == FrameType.TELEMETRY && parsed.kind() == Topics.Kind.TELEMETRY) {
            telemetry++;
            BitSet bits = seen.computeIfAbsent(parsed.deviceId(), id -> new BitSet());
            int sequence = (int) frame.sequence();
            if (bits.get(sequence)) duplicates.merge(parsed.deviceId(), 1L, Long::sum);
            bits.set(sequence);
        } else if (frame.type() == FrameType.ACK && parsed.kind() == Topics.Kind.ACK) {
            acks.put(frame.correlationId(), frame.status());
            acksByEpoch.put(frame.epoch() + ":" + frame.correlationId(), frame.status());
        } else {
            reject(frame.type() + " on " + parsed.kind());
        }
    }

    private void reject(String why) {
        rejected++;
        lastRejection = why;
    }

    synchronized long telemetry() { return telemetry; }
    synchronized long rejected() { return rejected; }
    synchronized String lastRejection() { return lastRejection; }
    synchronized AckStatus ack(long correlationId) { return acks.get(correlationId); }
    /** The status the device answered command {@code (epoch, correlationId)} with, or null. */
    synchronized AckStatus ack(long epoch, long correlationId) { return acksByEpoch.get(epoch + ":" + correlationId); }
    synchronized String status(String deviceId) { return status.get(deviceId); }

    /** Distinct sequence numbers received from {@code deviceId}. */
    synchronized int distinct(String deviceId) {
        BitSet bits = seen.get(deviceId);
        return bits == null ? 0 : bits.cardinality();
    }

    synchronized long duplicates(String deviceId) {
        return duplicates.getOrDefault(deviceId, 0L);
    }

    /** The highest sequence number seen, or -1. */
    synchronized int highest(String deviceId) {
        BitSet bits = seen.get(deviceId);
        return bits == null ? -1 : bits.length() - 1;
    }

    /** Sequence numbers below {@code end} that never arrived. */
    synchronized int missingBelow(String deviceId, int end) {
        BitSet bits = seen.get(deviceId);
        return end - (bits == null ? 0 : bits.get(0, end).cardinality());
    }

    /** True when 0..highest all arrived. */
    synchronized boolean consecutive(String deviceId) {
        int highest = highest(deviceId);
        return highest >= 0 && distinct(deviceId) == highest + 1;
    }
}
