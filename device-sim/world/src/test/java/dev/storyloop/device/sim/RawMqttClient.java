package dev.storyloop.device.sim;

import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * An MQTT 3.1.1 client written packet by packet over a plain socket, for differential tests that must
 * send what a real client library refuses to (a wildcard in a topic name, QoS 3 in a SUBSCRIBE) or
 * must stay silent after CONNECT (no keepalive pings), and observe exactly what Mosquitto answers.
 *
 * <p>Every read waits at most {@link #READ_TIMEOUT_MILLIS}; a test that expects a packet fails rather
 * than hangs. QoS 1 PUBLISH packets received are acknowledged at once, as any client would.
 */
final class RawMqttClient implements Closeable {
    static final int READ_TIMEOUT_MILLIS = 20_000;
    private static final int PACKET_BYTES_MAX = 1 << 16;

    /** A PUBLISH the client received. */
    record Received(String topic, String payload, int qos, boolean retain) {
        @Override
        public String toString() {
            return topic + " '" + payload + "' qos" + qos + (retain ? " retained" : "");
        }
    }

    private final Socket socket;
    private final DataInputStream in;
    private final OutputStream out;
    private final List<Received> received = new ArrayList<>();
    private int nextPacketId = 1;
    private boolean closedByBroker;

    private RawMqttClient(Socket socket) throws IOException {
        this.socket = socket;
        this.in = new DataInputStream(socket.getInputStream());
        this.out = socket.getOutputStream();
    }

    /** Connects and waits for CONNACK; {@code willTopic} may be null. Returns with the CONNACK's session-present flag read. */
    static RawMqttClient connect(String host, int port, String clientId, boolean clean, int keepAliveSeconds,
                                 String willTopic, String willPayload) throws IOException {
        Socket socket = new Socket();
        socket.setTcpNoDelay(true);
        socket.connect(new InetSocketAddress(host, port), READ_TIMEOUT_MILLIS);
        socket.setSoTimeout(READ_TIMEOUT_MILLIS);
        RawMqttClient client = new RawMqttClient(socket);
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        string(body, "MQTT");
        body.write(4); // protocol level 3.1.1
        int flags = (clean ? 0x02 : 0) | (willTopic != null ? 0x04 : 0);
        body.write(flags);
        body.write(keepAliveSeconds >> 8);
        body.write(keepAliveSeconds & 0xff);
        string(body, clientId);
        if (willTopic != null) {
            string(body, willTopic);
            string(body, willPayload);
        }
        client.send(0x10, body.toByteArray());
        int[] connack = client.next(0x20);
        if (connack == null) throw new IOException("closed before CONNACK");
        return client;
    }

    /** SUBSCRIBE to one filter; returns the SUBACK's return code, or -1 when the broker closed the connection instead. */
    int subscribe(String filter, int qos) throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        int id = nextPacketId++;
        body.write(id >> 8);
        body.write(id & 0xff);
        string(body, filter);
        body.write(qos);
        send(0x82, body.toByteArray());
        int[] suback = next(0x90);
        return suback == null ? -1 : suback[suback.length - 1];
    }

    /** PUBLISH at QoS 0 or 1; a QoS 1 publish waits for its PUBACK (false when the connection closed first). */
    boolean publish(String topic, String payload, int qos, boolean retain) throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        string(body, topic);
        if (qos > 0) {
            int id = nextPacketId++;
            body.write(id >> 8);
            body.write(id & 0xff);
        }
        body.write(payload.getBytes(StandardCharsets.UTF_8));
        send(0x30 | (qos << 1) | (retain ? 1 : 0), body.toByteArray());
        return qos == 0 || next(0x40) != null;
    }

    /**
     * Waits until everything the broker sent before it handled a fresh QoS 1 publish (to a topic nobody
     * subscribes to) has arrived: Mosquitto handles one connection's packets in order, so this is a barrier.
     */
    boolean barrier(String topic) throws IOException {
        return publish(topic, "", 1, false);
    }

    /** Reads until the broker closes the connection; returns {@link System#nanoTime()} when it did. */
    long awaitClosed() throws IOException {
        while (next(-1) != null) {
            // keep reading: PUBLISH packets are recorded, anything else is ignored
        }
        return System.nanoTime();
    }

    boolean closedByBroker() {
        return closedByBroker;
    }

    List<Received> received() {
        return received;
    }

    /** Reads packets, recording PUBLISHes, until one of type {@code wanted} (the first byte's high nibble); null on EOF. */
    private int[] next(int wanted) throws IOException {
        for (int packets = 0; packets < PACKET_BYTES_MAX; packets++) {
            int header;
            try {
                header = in.read();
            } catch (SocketTimeoutException e) {
                throw new IOException("no packet from the broker within " + READ_TIMEOUT_MILLIS + " ms", e);
            } catch (IOException e) {
                header = -1; // a reset is a close too
            }
            if (header < 0) {
                closedByBroker = true;
                return null;
            }
            int length = 0;
            for (int shift = 0; ; shift += 7) {
                int b = in.readUnsignedByte();
                length |= (b & 0x7f) << shift;
                if ((b & 0x80) == 0) break;
                if (shift > 21) throw new IOException("remaining length longer than four bytes");
            }
            if (length > PACKET_BYTES_MAX) throw new IOException("packet of " + length + " bytes is beyond this client's bound");
            byte[] body = new byte[length];
            try {
                in.readFully(body);
            } catch (EOFException e) {
                closedByBroker = true;
                return null;
            }
            int type = header & 0xf0;
            if (type == 0x30) record(header, body);
            if (wanted < 0 || type == wanted) {
                int[] bytes = new int[body.length];
                for (int i = 0; i < body.length; i++) bytes[i] = body[i] & 0xff;
                return bytes;
            }
        }
        throw new IOException("no packet of type " + wanted + " among " + PACKET_BYTES_MAX + " packets");
    }

    private void record(int header, byte[] body) throws IOException {
        int qos = (header >> 1) & 0x3;
        int topicLength = ((body[0] & 0xff) << 8) | (body[1] & 0xff);
        String topic = new String(body, 2, topicLength, StandardCharsets.UTF_8);
        int at = 2 + topicLength;
        if (qos > 0) {
            int id = ((body[at] & 0xff) << 8) | (body[at + 1] & 0xff);
            at += 2;
            send(0x40, new byte[] {(byte) (id >> 8), (byte) id});
        }
        received.add(new Received(topic, new String(body, at, body.length - at, StandardCharsets.UTF_8), qos, (header & 1) != 0));
    }

    private void send(int header, byte[] body) throws IOException {
        ByteArrayOutputStream packet = new ByteArrayOutputStream();
        packet.write(header);
        int length = body.length;
        do {
            int b = length & 0x7f;
            length >>>= 7;
            packet.write(length > 0 ? b | 0x80 : b);
        } while (length > 0);
        packet.write(body);
        try {
            out.write(packet.toByteArray());
            out.flush();
        } catch (IOException e) {
            closedByBroker = true; // the broker closed first; the caller finds out from the next read
        }
    }

    private static void string(ByteArrayOutputStream out, String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        out.write(bytes.length >> 8);
        out.write(bytes.length & 0xff);
        out.write(bytes, 0, bytes.length);
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
