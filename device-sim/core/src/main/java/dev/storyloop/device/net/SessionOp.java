package dev.storyloop.device.net;

import dev.storyloop.device.exec.Context;
import dev.storyloop.device.exec.Future;
import dev.storyloop.device.exec.Poll;
import dev.storyloop.device.exec.WakerSlot;

/**
 * One outstanding operation of a {@link ClientSession} (a connect, a publish, a subscribe, a wait
 * for the connection to be lost) as the future its task polls.
 *
 * <p>Its outcome is set on the loop thread by the session. The one method safe from any thread is
 * {@link #interrupt()}: a driver whose medium answers on another thread queues the answer for the
 * loop first and then calls it, so the waiting task is polled and the session drains the answer.
 */
public abstract class SessionOp<T> implements Future<T> {
    final ClientSession session;
    final WakerSlot waker = new WakerSlot();
    boolean done;
    T result;
    /** Set from any thread by {@link #answer(long)}: the medium acknowledged this operation (a PUBACK). */
    volatile boolean answered;
    /** The driver's stamp of the moment it answered (its own clock; the session only hands it back). */
    long answerStamp;

    SessionOp(ClientSession session) {
        this.session = session;
    }

    /** Safe from any thread: wakes the waiting task so that its next poll drains the queued answer. */
    public final void interrupt() {
        session.interrupt(waker);
    }

    /**
     * Safe from any thread: the medium acknowledged this operation (Paho's PUBACK callback), and the
     * waiting task is woken to take it. Carries the acknowledgement in the op itself, so a PUBACK
     * costs the hand-over no event object; the session reads it on the loop, and a loss that the
     * loop hears first still counts an operation answered before it as done.
     */
    public final void answer(long stamp) {
        answerStamp = stamp; // published by the volatile write below
        answered = true;
        session.interrupt(waker);
    }

    /** Loop thread: sets the outcome once and wakes the waiting task. */
    final void finish(T value) {
        if (done) return;
        done = true;
        result = value;
        waker.wake(session);
    }

    final Poll waitFor(Context cx, Object what) {
        waker.register(cx);
        cx.waitingOn(what);
        session.lookAgainIfQueued(waker);
        return Poll.PENDING;
    }

    @Override
    public final Poll poll(Context cx) {
        if (done) return Poll.READY;
        session.drain(cx);
        if (done) return Poll.READY;
        return step(cx);
    }

    /** Moves the operation on (sends it, or waits); called only while not done. */
    abstract Poll step(Context cx);

    @Override
    public final T output() {
        return result;
    }

    @Override
    public void cancel() {
        waker.clear();
    }
}
