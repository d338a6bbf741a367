package dev.storyloop.bench;

import dev.storyloop.gateway.GatewayApp;
import dev.storyloop.gateway.GatewayOptions;
import dev.storyloop.gateway.core.GatewayConfig;
import dev.storyloop.protocol.DeviceKeys;
import dev.storyloop.protocol.Frame;
import dev.storyloop.protocol.FrameCodec;
import dev.storyloop.protocol.FrameType;
import dev.storyloop.protocol.JcaAuthenticator;
import dev.storyloop.protocol.Sensor;
import dev.storyloop.protocol.Topics;
import dev.storyloop.testsupport.BrokerConfig;
import dev.storyloop.testsupport.Executables;
import dev.storyloop.testsupport.LocalMosquitto;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.eclipse.paho.client.mqttv3.IMqttDeliveryToken;
import org.eclipse.paho.client.mqttv3.MqttAsyncClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * Gateway ingest against the broker's own subscriber, in one run on one broker: the same Paho
 * publisher feeds N valid frames from D devices first to {@code mosquitto_sub} (the baseline: what
 * a subscriber that does nothing can take) and then to the storyloop gateway (decode, verify,
 * account). Each rate is N over the time from the first publish to the last frame received; the
 * ratio gateway / mosquitto_sub is printed per round for QoS 0 and QoS 1 (goal: at least 0.9), with
 * what each side lost (QoS 0 may lose; QoS 1 must show 0 missing at the gateway).
 *
 * <p>{@code bench/gateway-ingest [frames] [devices]}; starts its own mosquitto on a free port
 * ({@code max_queued_messages 0}, {@code max_inflight_messages 0}: nothing dropped, no window).
 */
public final class GatewayIngestBench {
    static final int PUBLISHER_INFLIGHT = 1_000;
    static final int ROUNDS = 3;
    static final int SETTLE_SECONDS_MAX = 60;

    public static void main(String[] args) throws Exception {
        int frames = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
        int devices = args.length > 1 ? Integer.parseInt(args[1]) : 100;
        Path mosquitto = Executables.find("mosquitto").orElseThrow(() -> new IllegalStateException("mosquitto is not installed"));
        Path mosquittoSub = Executables.find("mosquitto_sub").orElseThrow(() -> new IllegalStateException("mosquitto_sub is not installed"));
        List<String> topics = new ArrayList<>(frames);
        List<byte[]> payloads = new ArrayList<>(frames);
        makeFrames(frames, devices, topics, payloads);
        System.out.printf(Locale.ROOT, "gateway ingest vs mosquitto_sub: %d frames from %d devices, %d B each, Paho publisher, %d rounds each%n",
                frames, devices, payloads.get(0).length, ROUNDS);
        try (LocalMosquitto broker = LocalMosquitto.start(mosquitto, BrokerConfig.defaults().withMaxQueuedMessages(0).withMaxInflightMessages(0))) {
            for (int qos : new int[] {0, 1}) {
                double[] ratios = new double[ROUNDS];
                for (int round = 1; round <= ROUNDS; round++) {
                    double[] sub = mosquittoSubRate(broker, mosquittoSub, qos, topics, payloads);
                    double[] gateway = gatewayRate(broker, qos, topics, payloads, devices);
                    ratios[round - 1] = gateway[0] / sub[0];
                    System.out.printf(Locale.ROOT, "QoS %d round %d: mosquitto_sub %.0f msg/s (lost %d), gateway %.0f msg/s (missing %d), ratio %.2f%n",
                            qos, round, sub[0], (long) sub[1], gateway[0], (long) gateway[1], ratios[round - 1]);
                }
                Arrays.sort(ratios);
                System.out.printf(Locale.ROOT, "QoS %d: median ratio gateway / mosquitto_sub %.2f (goal >= 0.9)%n", qos, ratios[ROUNDS / 2]);
            }
        }
        System.exit(0); // Vert.x and Paho threads are closed above; this ends stragglers of the JIT-compiled run at once
    }

    static void makeFrames(int frames, int devices, List<String> topics, List<byte[]> payloads) {
        makeFrames(frames, devices, "dev-", topics, payloads);
    }

    /** {@code frames} signed telemetry frames from devices {@code prefix0..}, round robin, each device's sequence from 0. */
    static void makeFrames(int frames, int devices, String prefix, List<String> topics, List<byte[]> payloads) {
        FrameCodec codec = new FrameCodec();
        Frame frame = new Frame();
        ByteBuffer buffer = ByteBuffer.allocate(FrameCodec.MAX_FRAME_BYTES);
        JcaAuthenticator[] keys = new JcaAuthenticator[devices];
        for (int d = 0; d < devices; d++) keys[d] = new JcaAuthenticator(DeviceKeys.development(prefix + d));
        for (int i = 0; i < frames; i++) {
            int d = i % devices;
            frame.reset(FrameType.TELEMETRY, prefix + d, i / devices, i).addReading(Sensor.TEMPERATURE, 21_500)
                    .addReading(Sensor.HUMIDITY, 40_200).addReading(Sensor.BATTERY, 3_300);
            buffer.clear();
            int length = codec.encode(frame, keys[d], buffer);
            topics.add(Topics.telemetry(prefix + d));
            payloads.add(Arrays.copyOf(buffer.array(), length));
        }
    }

    /**
     * mosquitto_sub printing each message's arrival time ({@code -F %U}): the rate is what it received
     * over the time from the first publish to the last arrival. Returns {rate, lost}.
     */
    static double[] mosquittoSubRate(LocalMosquitto broker, Path binary, int qos, List<String> topics, List<byte[]> payloads) throws Exception {
        Path times = Files.createTempFile("storyloop-sub-", ".txt");
        Process sub = new ProcessBuilder(binary.toString(), "-h", broker.host(), "-p", Integer.toString(broker.port()),
                "-t", Topics.Kind.TELEMETRY.allDevicesFilter(), "-q", Integer.toString(qos), "-C", Integer.toString(payloads.size()),
                "-W", Integer.toString(SETTLE_SECONDS_MAX), "-F", "%U")
                .redirectOutput(times.toFile()).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        try {
            Thread.sleep(300); // subscribed before the first publish (it connects in a few ms)
            Instant start = Instant.now();
            publishAll(broker, qos, topics, payloads);
            sub.waitFor(SETTLE_SECONDS_MAX + 5, TimeUnit.SECONDS);
            List<String> lines = Files.readAllLines(times);
            if (lines.isEmpty()) throw new IllegalStateException("mosquitto_sub received nothing");
            String[] last = lines.get(lines.size() - 1).split("\\.");
            double lastSeconds = Long.parseLong(last[0]) + Long.parseLong(last[1]) / 1e9;
            double elapsed = lastSeconds - (start.getEpochSecond() + start.getNano() / 1e9);
            return new double[] {lines.size() / elapsed, payloads.size() - lines.size()};
        } finally {
            sub.destroyForcibly();
            Files.deleteIfExists(times);
        }
    }

    /** The gateway in this JVM: from the first publish until its books show N received. Returns {rate, missing}. */
    static double[] gatewayRate(LocalMosquitto broker, int qos, List<String> topics, List<byte[]> payloads, int devices) throws Exception {
        Vertx vertx = Vertx.vertx(GatewayApp.vertxOptions());
        try {
            GatewayOptions options = GatewayOptions.local(broker.host(), broker.port(), "bench-token-0123456789")
                    .withClientId("bench-gateway-" + System.nanoTime()) // a fresh session each round
                    .withCore(GatewayConfig.defaults().withMaxDevices(Math.max(devices, 1)).withIngest(1 << 20, GatewayConfig.Flow.off()));
            GatewayApp gateway = PipelineBench.startConnected(vertx, options);
            long start = System.nanoTime();
            publishAll(broker, qos, topics, payloads);
            long[] processed = awaitProcessed(gateway, payloads.size(), start);
            JsonObject stats = stats(gateway);
            long lastChange = processed[1];
            double rate = stats.getLong("received") / ((lastChange - start) / 1e9);
            if (stats.getLong("rejected") > 0) throw new IllegalStateException("frames rejected: " + stats.encode());
            gateway.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
            return new double[] {rate, stats.getLong("missing") + (payloads.size() - stats.getLong("received") - stats.getLong("missing"))};
        } finally {
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
    }

    /**
     * Polls the gateway until it processed (accepted or refused) {@code total} frames, or (QoS 0 may
     * lose some) nothing more came for a second, or {@link #SETTLE_SECONDS_MAX} passed. Returns
     * {processed, nanoTime of the last change}.
     */
    static long[] awaitProcessed(GatewayApp gateway, long total, long startNanos) throws Exception {
        long lastCount = -1;
        long lastChange = startNanos;
        long settleDeadline = startNanos + TimeUnit.SECONDS.toNanos(SETTLE_SECONDS_MAX);
        while (true) {
            JsonObject stats = stats(gateway);
            long count = stats.getLong("received") + stats.getLong("rejected");
            long now = System.nanoTime();
            if (count != lastCount) {
                lastCount = count;
                lastChange = now;
            }
            if (count >= total || now - lastChange > TimeUnit.SECONDS.toNanos(1) || now > settleDeadline) return new long[] {count, lastChange};
            Thread.sleep(1);
        }
    }

    static JsonObject stats(GatewayApp gateway) throws Exception {
        return gateway.api().stats().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    /** One Paho client publishes every frame as fast as its window allows (32202: wait for a delivery, try again). */
    static void publishAll(LocalMosquitto broker, int qos, List<String> topics, List<byte[]> payloads) throws MqttException, InterruptedException {
        MqttAsyncClient client = new MqttAsyncClient(broker.url(), "bench-pub-" + System.nanoTime(), new MemoryPersistence());
        MqttConnectOptions connect = new MqttConnectOptions();
        connect.setCleanSession(true);
        connect.setMaxInflight(PUBLISHER_INFLIGHT);
        client.connect(connect).waitForCompletion(10_000);
        try {
            IMqttDeliveryToken last = null;
            for (int i = 0; i < payloads.size(); i++) {
                while (true) {
                    try {
                        last = client.publish(topics.get(i), payloads.get(i), qos, false);
                        break;
                    } catch (MqttException e) {
                        if (e.getReasonCode() != MqttException.REASON_CODE_MAX_INFLIGHT) throw e;
                        Thread.sleep(0, 100_000);
                    }
                }
            }
            // Paho writes in order: once the last publish completed (QoS 0: written), all have. Disconnecting
            // earlier would throw away QoS 0 messages still in Paho's queue.
            if (last != null) last.waitForCompletion(SETTLE_SECONDS_MAX * 1_000L);
            while (client.getPendingDeliveryTokens().length > 0) Thread.sleep(1);
        } finally {
            client.disconnect(1_000).waitForCompletion(2_000);
            client.close();
        }
    }
}
