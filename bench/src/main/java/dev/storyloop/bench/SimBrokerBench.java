package dev.storyloop.bench;

import dev.storyloop.device.sim.BrokerLimits;
import dev.storyloop.device.sim.Outbox;
import dev.storyloop.device.sim.Packet;
import dev.storyloop.device.sim.Message;
import dev.storyloop.device.sim.SimBroker;
import dev.storyloop.protocol.Topics;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * The simulated broker's routing alone, without links: one of 1,000 devices (each subscribed to
 * its own command topic) publishes telemetry; the gateway's wildcard subscription receives it and
 * acknowledges QoS 1 at once.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class SimBrokerBench {
    private static final int DEVICES = 1_000;

    @Param({"0", "1"})
    public int qos;

    private SimBroker broker;
    private Message[] telemetry;
    private String[] ids;
    private int next;
    private int lastPacketId;

    @Setup
    public void setUp() {
        broker = new SimBroker(BrokerLimits.MOSQUITTO_DEFAULTS);
        broker.connect(0, "gateway", false, 0, null);
        broker.subscribe(0, "gateway", Topics.Kind.TELEMETRY.allDevicesFilter(), 1);
        telemetry = new Message[DEVICES];
        ids = new String[DEVICES];
        for (int i = 0; i < DEVICES; i++) {
            ids[i] = "dev-" + i;
            broker.connect(0, ids[i], true, 0, null);
            broker.subscribe(0, ids[i], Topics.cmd(ids[i]), 1);
            telemetry[i] = new Message(Topics.telemetry(ids[i]), new byte[59], qos, false);
        }
        broker.outbox().clear(); // the CONNACKs and SUBACKs of the setup
    }

    @Benchmark
    public int routeOne() {
        int device = next;
        next = next + 1 == DEVICES ? 0 : next + 1;
        broker.publish(1, ids[device], telemetry[device], 1);
        takeOutbox();
        if (qos == 1) {
            broker.puback(1, "gateway", lastPacketId);
            takeOutbox();
        }
        return lastPacketId;
    }

    /** Reads the broker's output as the world does (without links): the packet id of the gateway's copy. */
    private void takeOutbox() {
        Outbox out = broker.outbox();
        for (int i = 0; i < out.size(); i++) {
            if (out.type(i) == Packet.Type.PUBLISH) lastPacketId = out.arg(i) & 0xffff;
        }
        out.clear();
    }
}
