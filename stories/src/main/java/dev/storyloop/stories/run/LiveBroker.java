package dev.storyloop.stories.run;

import dev.storyloop.stories.scenario.Scenario;
import dev.storyloop.testsupport.BrokerConfig;
import dev.storyloop.testsupport.Executables;
import dev.storyloop.testsupport.LocalMosquitto;
import dev.storyloop.testsupport.MosquittoBroker;

import java.nio.file.Path;
import java.util.Optional;

/**
 * The broker a live run talks to. One the runner started itself can be killed and restarted, so
 * the scenario's broker restarts are realised; an external one cannot.
 */
public interface LiveBroker extends AutoCloseable {
    String url();

    boolean controllable();

    /** SIGKILL: the broker dies without a goodbye and, without persistence, forgets every session. */
    void kill();

    /** Starts the broker again on the same port. */
    void restart();

    @Override
    void close();

    static LiveBroker external(String url) {
        return new LiveBroker() {
            @Override public String url() { return url; }
            @Override public boolean controllable() { return false; }
            @Override public void kill() { throw new UnsupportedOperationException("an external broker is not controlled by the runner"); }
            @Override public void restart() { throw new UnsupportedOperationException("an external broker is not controlled by the runner"); }
            @Override public void close() {}
        };
    }

    /** The {@code mosquitto} binary on PATH (or in /usr/sbin), if there is one. */
    static Optional<Path> localBinary() {
        return Executables.find("mosquitto");
    }

    /**
     * Starts a mosquitto on a free 127.0.0.1 port with the scenario's limits (the test fixture's
     * local broker: generated config, persistence off, ended with the JVM at the latest).
     */
    static LiveBroker local(Path binary, Scenario.Broker limits) {
        return controlling(LocalMosquitto.start(binary, BrokerConfig.defaults()
                .withMaxInflightMessages(limits.maxInflight()).withMaxQueuedMessages(limits.maxQueued())), true);
    }

    /** A broker the runner may kill and restart; {@code owned}: closing this closes the broker too (else its owner ends it). */
    static LiveBroker controlling(MosquittoBroker broker, boolean owned) {
        return new LiveBroker() {
            @Override public String url() { return broker.url(); }
            @Override public boolean controllable() { return true; }
            @Override public void kill() { broker.kill(); }
            @Override public void restart() { broker.restart(); }
            @Override public void close() { if (owned) broker.close(); }
        };
    }
}
