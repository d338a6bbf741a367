package dev.storyloop.device.exec;

/** Gives the other runnable tasks a turn: pending once (having woken itself), then ready. */
public final class YieldNow implements Future<Void>, WakeSource {
    private boolean yielded;

    public static YieldNow create() {
        return new YieldNow();
    }

    @Override
    public Poll poll(Context cx) {
        if (yielded) {
            yielded = false; // reusable
            return Poll.READY;
        }
        yielded = true;
        cx.waker().wake(this);
        return Poll.PENDING;
    }

    @Override
    public Void output() {
        return null;
    }

    @Override
    public String wakeSourceName() {
        return "yield";
    }
}
