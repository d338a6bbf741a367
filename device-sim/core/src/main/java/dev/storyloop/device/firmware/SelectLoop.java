package dev.storyloop.device.firmware;

import dev.storyloop.device.chan.Channel;
import dev.storyloop.device.exec.Context;
import dev.storyloop.device.exec.Future;
import dev.storyloop.device.exec.Poll;
import dev.storyloop.device.exec.Select;
import dev.storyloop.device.exec.Sleep;
import dev.storyloop.device.exec.WakeSource;
import dev.storyloop.device.exec.WakerSlot;
import dev.storyloop.device.net.InboundMessage;

/**
 * The single-task firmware loop of {@link LoopStyle#SELECT_LOSES_READING} and
 * {@link LoopStyle#SELECT_KEEPS_READING}: each turn selects between an inbound message and
 * sending the next reading (take it off the queue, sign it with the HMAC library, publish it
 * and await the PUBACK), one reading at a time.
 *
 * <p>With the losing order, the reading is taken inside the selected branch; a command that
 * arrives while it is being signed or published wins the select, the branch is cancelled, and
 * the reading is gone: no counter sees it, only the gateway's sequence accounting. With the
 * keeping order, taking and signing happen before the select, the reading is held by the task,
 * and a cancelled publish is simply tried again. This loop is deliberately plain: one reading at
 * a time, no token and no flow control; it exists for the story, the default firmware is
 * {@link Uplink} and {@link Commands}.
 */
final class SelectLoop implements Future<Void> {
    static final long RETRY_NANOS = 1_000_000L;
    private final Device device;
    private final boolean keepsReading;
    private final Channel.Receiver<byte[]> in;
    private final Commands commands;
    private final SendReading send = new SendReading();
    private Future<InboundMessage> receiving;
    private Select select;
    private boolean ackPending;

    SelectLoop(Device device, boolean keepsReading) {
        this.device = device;
        this.keepsReading = keepsReading;
        this.in = device.uplink.receiver();
        this.commands = new Commands(device);
    }

    @Override
    public Poll poll(Context cx) {
        while (true) {
            if (ackPending) {
                if (commands.pollAck(cx) == Poll.PENDING) return Poll.PENDING;
                ackPending = false;
            }
            if (keepsReading && !send.ready()) {
                // Take and sign first, outside the select: nothing below can cancel this part.
                if (send.prepare(cx) == Poll.PENDING) return Poll.PENDING;
            }
            if (select == null) {
                receiving = device.transport.receive();
                send.begin();
                select = Select.of(receiving, send);
            }
            if (select.poll(cx) == Poll.PENDING) return Poll.PENDING;
            int winner = select.winner();
            select = null;
            if (winner == 0) {
                commands.handle(cx, receiving.output());
                ackPending = true;
            }
        }
    }

    /** 1 while the task holds a reading (taken and not yet confirmed), else 0. */
    int framesHeld() {
        return send.frame != null ? 1 : 0;
    }

    @Override
    public Void output() {
        return null;
    }

    @Override
    public void cancel() {
        if (select != null) select.cancel();
        send.abandon();
        commands.cancel();
    }

    @Override
    public String toString() {
        return "select loop";
    }

    /** Take a reading, sign it, publish it, await the PUBACK; cancellable at every step. */
    private final class SendReading implements Future<Void>, WakeSource {
        private final WakerSlot signed = new WakerSlot();
        private final Runnable job = () -> {};          // the signature's bytes do not matter here, its time does
        private final Runnable done = this::signedNow;
        private Future<byte[]> taking;
        private Future<Boolean> publishing;
        byte[] frame;
        private final Sleep retry = Sleep.forNanos(0);
        private volatile boolean signing;
        private volatile boolean signatureReady;
        private volatile boolean offloadBusy;   // the library is working on a signature (perhaps for a cancelled reading)

        boolean ready() {
            return frame != null && signatureReady;
        }

        void begin() {
            publishing = null;
        }

        /** Steps 1 and 2: take a reading off the queue and sign it. */
        Poll prepare(Context cx) {
            if (frame == null) {
                if (taking == null) taking = in.recv();
                if (taking.poll(cx) == Poll.PENDING) return Poll.PENDING;
                frame = taking.output();
                taking = null;
                signatureReady = false;
                signing = false;
            }
            if (!signatureReady) {
                if (!signing) {
                    if (offloadBusy) { // a cancelled reading's signature is still being made: wait for the library
                        signed.register(cx);
                        if (offloadBusy) {
                            cx.waitingOn(this);
                            return Poll.PENDING;
                        }
                        signed.clear();
                    }
                    offloadBusy = true;
                    if (!device.board.offload(cx, device.config.hmacFastNanos(), job, done)) {
                        offloadBusy = false;
                        retry.reset(RETRY_NANOS); // the worker is busy with other work: ask again shortly
                        return retry.poll(cx);
                    }
                    signing = true;
                }
                signed.register(cx);
                if (!signatureReady) {
                    cx.waitingOn(this);
                    return Poll.PENDING;
                }
                signed.clear();
            }
            return Poll.READY;
        }

        private void signedNow() {
            offloadBusy = false;
            if (signing) signatureReady = true;
            signed.wakeFromAnyThread(this); // the board's worker live, the loop simulated
        }

        @Override
        public Poll poll(Context cx) {
            if (prepare(cx) == Poll.PENDING) return Poll.PENDING;
            if (!device.connected || !device.transport.isConnected()) {
                device.uplinkWake.register(cx);
                cx.waitingOn(device);
                return Poll.PENDING;
            }
            if (publishing == null) publishing = device.transport.publish(device.telemetryTopic, frame, device.config.qos(), false);
            if (publishing.poll(cx) == Poll.PENDING) return Poll.PENDING;
            if (Boolean.TRUE.equals(publishing.output())) {
                device.stats.published++;
                device.stats.delivered++;
                frame = null;
            }
            publishing = null;
            return Poll.READY; // sent, or the connection went and the reading is tried again
        }

        /** The select chose a command: the branch is dropped where it stands. */
        @Override
        public void cancel() {
            if (taking != null) taking.cancel();
            taking = null;
            if (publishing != null) publishing.cancel();
            publishing = null;
            signed.clear();
            retry.cancel();
            device.uplinkWake.clear();
            if (!keepsReading) {
                frame = null;        // the bug: the reading taken off the queue is simply gone
                signing = false;
                signatureReady = false;
            }
        }

        void abandon() {
            cancel();
            frame = null;
        }

        @Override
        public Void output() {
            return null;
        }

        @Override
        public String wakeSourceName() {
            return "hmac-library";
        }

        @Override
        public String toString() {
            return frame == null ? "a reading in the uplink queue" : "the signature of a reading";
        }
    }
}
