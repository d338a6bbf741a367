package dev.storyloop.device.sim;

/**
 * Mosquitto's per-client limits, with its defaults.
 *
 * @param maxInflightMessages QoS 1 messages sent to a client and not yet acknowledged; 0 means no limit
 * @param maxQueuedMessages   QoS 1 messages waiting behind the inflight window (or while the client is
 *                            offline with a persistent session); 0 means no limit. Beyond it Mosquitto
 *                            drops them, saying so only in its log
 * @param persistence         whether sessions, queued and retained messages survive a broker restart
 */
public record BrokerLimits(int maxInflightMessages, int maxQueuedMessages, boolean persistence) {
    public static final BrokerLimits MOSQUITTO_DEFAULTS = new BrokerLimits(20, 1000, false);

    public BrokerLimits withMaxQueuedMessages(int count) {
        return new BrokerLimits(maxInflightMessages, count, persistence);
    }

    public BrokerLimits withMaxInflightMessages(int count) {
        return new BrokerLimits(count, maxQueuedMessages, persistence);
    }

    public BrokerLimits {
        if (maxInflightMessages < 0) throw new IllegalArgumentException("maxInflightMessages < 0");
        if (maxQueuedMessages < 0) throw new IllegalArgumentException("maxQueuedMessages < 0");
    }
}
