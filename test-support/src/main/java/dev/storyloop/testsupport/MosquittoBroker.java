package dev.storyloop.testsupport;

/**
 * A running MQTT broker a test can talk to and, when the fixture started it, break on purpose.
 *
 * <p>Fault methods keep the broker's port, so clients configured once can reconnect after a
 * {@link #restart()}. On a broker the fixture does not control ({@link #controllable()} false),
 * they abort the calling test (it is reported as skipped, not failed).
 */
public interface MosquittoBroker extends AutoCloseable {

    /** The URL Paho takes, e.g. {@code tcp://127.0.0.1:18830}. */
    default String url() {
        return "tcp://" + host() + ":" + port();
    }

    String host();

    int port();

    /** How this broker was provided, for logs: "local mosquitto 2.0.11", "container eclipse-mosquitto:2", … */
    String description();

    /** True when stop, kill, restart, pause and resume are available. */
    boolean controllable();

    /** Graceful stop (SIGTERM): the broker publishes last wills and closes connections. */
    void stop();

    /** Abrupt death (SIGKILL): connections vanish without a goodbye, as on a power cut. */
    void kill();

    /** Starts the broker again on the same port; stops it first if it is running. */
    void restart();

    /** Freezes the broker (SIGSTOP): sockets stay open but nothing is read or written. */
    void pause();

    /** Thaws a paused broker (SIGCONT); does nothing when it is not paused. */
    void resume();

    boolean isRunning();

    /** The broker's most recent log lines (bounded), for failure reports. */
    String recentLog();

    /** Ends the broker and removes what it left on disk; never leaves a process behind. */
    @Override
    void close();
}
