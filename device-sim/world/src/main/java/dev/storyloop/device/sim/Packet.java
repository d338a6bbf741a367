package dev.storyloop.device.sim;

/**
 * An MQTT 3.1.1 packet of the simulated world, as a value: what crosses a {@link Link} and what the
 * {@link SimBroker} leaves in its {@link Outbox}.
 *
 * <p>Links and the outbox do not keep these records: they store each packet flattened into a
 * {@link Type}, an {@code int} and a reference ({@link #flatArg()}, {@link #flatRef()}), in arrays
 * they reuse, so that a message crossing the world allocates nothing. {@link #of} turns the three
 * back into the record (for tests and reports); the broker and the client read the fields straight
 * from the flat form. A new packet kind is a record here, a case in {@link #of}, and what the
 * broker and {@link SimClient} do with it.
 */
public sealed interface Packet {

    /** The packet kinds, and {@link #CLOSE}: the broker closing a connection is a packet of this model, though not of MQTT. */
    enum Type { CONNECT, CONNACK, PUBLISH, PUBACK, SUBSCRIBE, SUBACK, PINGREQ, PINGRESP, DISCONNECT, CLOSE }

    Type type();

    /** The packet's size on the wire (what a link's bandwidth and send buffer count). */
    int wireBytes();

    /** The packet's numbers, packed into one int (see each record). */
    int flatArg();

    /** The packet's one reference (a message, a filter, a reason), or null. */
    Object flatRef();

    /** CONNECT; {@code will} may be null. Flat: {@code keepAliveSeconds << 1 | clean}, the will. */
    record Connect(boolean cleanSession, int keepAliveSeconds, Message will) implements Packet {
        public Type type() { return Type.CONNECT; }
        public int flatArg() { return keepAliveSeconds << 1 | (cleanSession ? 1 : 0); }
        public Object flatRef() { return will; }
        /** Without the client id (the link's owner knows it): {@link #connectBytes} counts it. */
        public int wireBytes() { return connectBytes("", will); }
    }

    record Connack(boolean sessionPresent) implements Packet {
        public Type type() { return Type.CONNACK; }
        public int flatArg() { return sessionPresent ? 1 : 0; }
        public Object flatRef() { return null; }
        public int wireBytes() { return 4; }
    }

    /** PUBLISH; {@code packetId} is 0 at QoS 0. Flat: {@code packetId | duplicate << 16}, the message. */
    record Publish(Message message, int packetId, boolean duplicate) implements Packet {
        public Type type() { return Type.PUBLISH; }
        public int flatArg() { return publishArg(packetId, duplicate); }
        public Object flatRef() { return message; }
        public int wireBytes() { return publishBytes(message); }
    }

    record Puback(int packetId) implements Packet {
        public Type type() { return Type.PUBACK; }
        public int flatArg() { return packetId; }
        public Object flatRef() { return null; }
        public int wireBytes() { return 4; }
    }

    /** SUBSCRIBE to one filter. Flat: the QoS asked for, the filter. */
    record Subscribe(String filter, int qos) implements Packet {
        public Type type() { return Type.SUBSCRIBE; }
        public int flatArg() { return qos; }
        public Object flatRef() { return filter; }
        public int wireBytes() { return 7 + filter.length(); }
    }

    record Suback(int grantedQos) implements Packet {
        public Type type() { return Type.SUBACK; }
        public int flatArg() { return grantedQos; }
        public Object flatRef() { return null; }
        public int wireBytes() { return 5; }
    }

    record Pingreq() implements Packet {
        public Type type() { return Type.PINGREQ; }
        public int flatArg() { return 0; }
        public Object flatRef() { return null; }
        public int wireBytes() { return 2; }
    }

    record Pingresp() implements Packet {
        public Type type() { return Type.PINGRESP; }
        public int flatArg() { return 0; }
        public Object flatRef() { return null; }
        public int wireBytes() { return 2; }
    }

    record Disconnect() implements Packet {
        public Type type() { return Type.DISCONNECT; }
        public int flatArg() { return 0; }
        public Object flatRef() { return null; }
        public int wireBytes() { return 2; }
    }

    /**
     * The broker closes the connection (keepalive expired, a malformed packet, a takeover). Flat:
     * {@code takeover ? 1 : 0}, the reason. It is an instruction to the world, never on a link.
     */
    record Close(String reason, boolean takeover) implements Packet {
        public Type type() { return Type.CLOSE; }
        public int flatArg() { return takeover ? 1 : 0; }
        public Object flatRef() { return reason; }
        public int wireBytes() { return 0; }
    }

    Type[] TYPES = Type.values();

    /** The record for a flattened packet. */
    static Packet of(Type type, int arg, Object ref) {
        switch (type) {
            case CONNECT: return new Connect((arg & 1) != 0, arg >>> 1, (Message) ref);
            case CONNACK: return new Connack(arg != 0);
            case PUBLISH: return new Publish((Message) ref, publishId(arg), publishDuplicate(arg));
            case PUBACK: return new Puback(arg);
            case SUBSCRIBE: return new Subscribe((String) ref, arg);
            case SUBACK: return new Suback(arg);
            case PINGREQ: return new Pingreq();
            case PINGRESP: return new Pingresp();
            case DISCONNECT: return new Disconnect();
            case CLOSE: return new Close((String) ref, arg != 0);
            default: throw new AssertionError(type);
        }
    }

    /** The wire size of a flattened packet other than CONNECT (whose size needs the client id: {@link #connectBytes}). */
    static int wireBytes(Type type, Object ref) {
        switch (type) {
            case CONNACK: case PUBACK: return 4;
            case SUBACK: return 5;
            case PINGREQ: case PINGRESP: case DISCONNECT: return 2;
            case PUBLISH: return publishBytes((Message) ref);
            case SUBSCRIBE: return 7 + ((String) ref).length();
            case CONNECT: return connectBytes("", (Message) ref);
            case CLOSE: return 0;
            default: throw new AssertionError(type);
        }
    }

    static int publishArg(int packetId, boolean duplicate) {
        assert packetId >= 0 && packetId <= 65_535 : "packet id " + packetId;
        return packetId | (duplicate ? 1 << 16 : 0);
    }

    static int publishId(int arg) { return arg & 0xffff; }

    static boolean publishDuplicate(int arg) { return (arg & 1 << 16) != 0; }

    static int connectBytes(String clientId, Message will) {
        return 14 + clientId.length() + (will == null ? 0 : 4 + will.topic().length() + will.payload().length);
    }

    /** A PUBLISH's size on the wire: fixed header, remaining length, topic, packet id at QoS 1, payload. */
    static int publishBytes(Message message) {
        int remaining = 2 + utf8Length(message.topic()) + (message.qos() > 0 ? 2 : 0) + message.payload().length;
        return 1 + (remaining < 128 ? 1 : remaining < 16_384 ? 2 : 3) + remaining;
    }

    /** Counts the UTF-8 bytes of {@code s} without encoding it (encoding allocated an array per packet). */
    static int utf8Length(String s) {
        int bytes = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x80) bytes++;
            else if (c < 0x800) bytes += 2;
            else if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                bytes += 4;
                i++;
            } else if (Character.isSurrogate(c)) {
                bytes++; // a lone surrogate: the encoder writes '?' for it
            } else bytes += 3;
        }
        return bytes;
    }
}
