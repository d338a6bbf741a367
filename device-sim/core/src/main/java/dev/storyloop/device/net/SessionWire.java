package dev.storyloop.device.net;

/**
 * What a {@link ClientSession} asks of its medium: the calls a driver translates into packets on a
 * simulated link or into Paho's API. Called on the loop thread only, by the session.
 *
 * <p>Each call that starts an operation also gets the session's {@link SessionOp}, so a driver whose
 * medium answers on another thread can wake the waiting task through the op's interrupt line after
 * it queued the answer for the loop. A driver whose medium answers on the loop thread ignores it.
 */
public interface SessionWire {
    /** {@link #publish} could not take the message now (send buffer or the medium's window full): wait for room. */
    int NO_ROOM = -1;
    /** {@link #publish} failed for good (the medium is not connected any more). */
    int FAILED = -2;

    /** The client id, as waits name it in dumps and traces. */
    String clientId();

    /** The broker as waits name it ("tcp://127.0.0.1:1883"), or null for just "the broker". */
    default String peerName() {
        return null;
    }

    /** Opens a new connection and sends CONNECT; false when not even that could start (the connect fails at once). */
    boolean open(ConnectOptions options, SessionOp<?> connect);

    /** The connect was given up before its CONNACK: drop the half-open connection so the next one starts afresh. */
    void abandon();

    /**
     * Sends PUBLISH: its packet id (0 at QoS 0, where the message is then written), {@link #NO_ROOM} or
     * {@link #FAILED}. A QoS 1 publish is done when {@link ClientSession#onPuback} brings its id.
     */
    int publish(String topic, byte[] payload, int qos, boolean retained, SessionOp<?> op);

    /** Sends SUBSCRIBE; false when it could not be sent. Its answer is {@link ClientSession#onSuback}, in order. */
    boolean subscribe(String filter, int qos, SessionOp<?> op);

    /** Sends the PUBACK of a QoS 1 message the firmware took from the session. */
    void acknowledge(int packetId);

    /** Sends DISCONNECT (the will is discarded) and closes the connection. */
    void sendDisconnect();

    /**
     * True when a publish refused with {@link #NO_ROOM} could go now. The session asks after it
     * registered for room, so room that appeared on another thread in between is not missed.
     */
    default boolean hasRoom() {
        return false;
    }

    /**
     * True when the medium answers on other threads: the session's waits then also register on its
     * interrupt lines, which the driver rings after queueing an answer.
     */
    default boolean answersOffLoop() {
        return false;
    }

    /** True while events from other threads wait for {@link #drain}; the session asks after registering a waker. */
    default boolean hasQueued() {
        return false;
    }

    /** The loop took an answer given with {@link SessionOp#answer(long)}; {@code stamp} is the driver's own. */
    default void answerTaken(long stamp) {}

    /** Hands the session the events its medium queued on other threads; the session calls it first in every poll. */
    default void drain(ClientSession session, long nowNanos) {}

    /**
     * The loop's turn for a keepalive check, taken whenever the connection's lost-waiter is polled:
     * a wire whose keepalive must not run while the loop stands still runs its check here.
     */
    default void keepaliveTurn(long nowNanos) {}
}
