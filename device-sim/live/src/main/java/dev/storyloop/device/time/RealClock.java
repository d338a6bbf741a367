package dev.storyloop.device.time;

/** Wall time for live runs: {@link System#nanoTime()} relative to when the clock was made. */
public final class RealClock implements Clock {
    private final long originNanos = System.nanoTime();
    private final long wallOriginMillis = System.currentTimeMillis();

    @Override
    public long wallOriginMillis() {
        return wallOriginMillis;
    }

    @Override
    public long nanos() {
        return System.nanoTime() - originNanos;
    }

    @Override
    public boolean isVirtual() {
        return false;
    }
}
