package dev.storyloop.device.sim;

import java.util.ArrayList;
import java.util.List;

/**
 * What the {@link SimBroker} would write to its clients' sockets, in the order it wrote it, until
 * its owner takes it: the broker's output, returned instead of pushed.
 *
 * <p>The broker appends; the world (or a test) drains after every input it gave the broker, so
 * nothing it does reaches back into the broker while the broker is busy. Entries are kept flat
 * (see {@link Packet}) in parallel arrays that are reused, so routing a message allocates nothing.
 * One input can make at most one entry per session (a publish routed to every subscriber, a
 * reconnect resending its window) plus the retained messages; {@link #CAPACITY_MAX} bounds it.
 */
public final class Outbox {
    /** More entries than one broker input can make in any world this project runs (sessions + retained). */
    public static final int CAPACITY_MAX = 1 << 22;
    private static final int CAPACITY_INITIAL = 16;

    private String[] clients = new String[CAPACITY_INITIAL];
    private SimBroker.Port[] ports = new SimBroker.Port[CAPACITY_INITIAL];
    private byte[] types = new byte[CAPACITY_INITIAL];
    private int[] args = new int[CAPACITY_INITIAL];
    private Object[] refs = new Object[CAPACITY_INITIAL];
    private int size;

    void add(String clientId, SimBroker.Port port, Packet.Type type, int arg, Object ref) {
        if (size == types.length) grow();
        clients[size] = clientId;
        ports[size] = port;
        types[size] = (byte) type.ordinal();
        args[size] = arg;
        refs[size] = ref;
        size++;
    }

    void add(String clientId, Packet packet) {
        add(clientId, null, packet.type(), packet.flatArg(), packet.flatRef());
    }

    public int size() { return size; }
    public boolean isEmpty() { return size == 0; }
    public String client(int i) { return clients[check(i)]; }
    /** The port the client's last CONNECT came by (see {@link SimBroker.Port}); null when none was given. It may be a connection the caller has since replaced. */
    public SimBroker.Port port(int i) { return ports[check(i)]; }
    public Packet.Type type(int i) { return Packet.TYPES[types[check(i)]]; }
    public int arg(int i) { return args[check(i)]; }
    public Object ref(int i) { return refs[check(i)]; }

    /** Entry {@code i} as a packet value. */
    public Packet packet(int i) {
        return Packet.of(type(i), arg(i), ref(i));
    }

    /** Forgets every entry (the owner handled them all). */
    public void clear() {
        for (int i = 0; i < size; i++) {
            clients[i] = null;
            ports[i] = null;
            refs[i] = null;
        }
        size = 0;
    }

    /** The entries as values, then cleared: for tests and tools, where allocation does not matter. */
    public List<Output> drain() {
        List<Output> out = new ArrayList<>(size);
        for (int i = 0; i < size; i++) out.add(new Output(clients[i], packet(i)));
        clear();
        return out;
    }

    /** One entry: {@code packet} for {@code clientId}'s connection. */
    public record Output(String clientId, Packet packet) {}

    private int check(int i) {
        if (i < 0 || i >= size) throw new IndexOutOfBoundsException("outbox entry " + i + " of " + size);
        return i;
    }

    private void grow() {
        if (types.length >= CAPACITY_MAX) {
            throw new IllegalStateException("the broker's outbox holds " + size + " packets from one input (at most "
                    + CAPACITY_MAX + "): it was not drained");
        }
        int capacity = types.length * 2;
        clients = java.util.Arrays.copyOf(clients, capacity);
        ports = java.util.Arrays.copyOf(ports, capacity);
        types = java.util.Arrays.copyOf(types, capacity);
        args = java.util.Arrays.copyOf(args, capacity);
        refs = java.util.Arrays.copyOf(refs, capacity);
    }
}
