package dev.storyloop.device.firmware;

/**
 * The C HMAC library's cache, as the request story models it: it serves {@code perSecond}
 * signatures in each second of the device's clock from its cached key, and any more in that
 * second make it refresh from the source of truth (its slow path).
 */
final class HmacBudget {
    private static final long SECOND = 1_000_000_000L;
    private final int perSecond;
    private long window = Long.MIN_VALUE;
    private int used;

    HmacBudget(int perSecond) {
        if (perSecond <= 0) throw new IllegalArgumentException("the budget must be > 0 signatures per second");
        this.perSecond = perSecond;
    }

    /** True when a signature made at {@code nowNanos} is beyond this second's cached budget. */
    boolean fromSourceOfTruth(long nowNanos) {
        long second = Math.floorDiv(nowNanos, SECOND);
        if (second != window) {
            window = second;
            used = 0;
        }
        used++;
        return used > perSecond;
    }
}
