package dev.storyloop.protocol;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * The protocol's test vectors, shared with the device and gateway tests through the test jar.
 *
 * <p>{@code valid-frames.tsv}: name, key (hex), frame (hex), the frame's canonical description.
 * {@code rejected-frames.tsv}: name, key (hex, or "-" for a device with no key), bytes (hex),
 * the {@link DecodeResult#reason()} a strict decoder must give.
 */
public final class Vectors {
    public static final String VALID = "/dev/storyloop/protocol/vectors/valid-frames.tsv";
    public static final String REJECTED = "/dev/storyloop/protocol/vectors/rejected-frames.tsv";

    public record Vector(String name, byte[] key, byte[] bytes, String expected) {
        @Override
        public String toString() {
            return name;
        }
    }

    private Vectors() {}

    public static List<Vector> valid() {
        return read(VALID);
    }

    public static List<Vector> rejected() {
        return read(REJECTED);
    }

    static List<Vector> read(String resource) {
        try (InputStream in = Vectors.class.getResourceAsStream(resource)) {
            if (in == null) throw new IllegalStateException("missing test vectors " + resource);
            List<Vector> vectors = new ArrayList<>();
            int lineNumber = 0;
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                lineNumber++;
                if (line.isBlank() || line.startsWith("#")) continue;
                String[] fields = line.split("\t");
                if (fields.length != 4) throw new IllegalStateException(resource + ":" + lineNumber + ": expected 4 tab-separated fields");
                byte[] key = fields[1].equals("-") ? null : HexFormat.of().parseHex(fields[1]);
                vectors.add(new Vector(fields[0], key, HexFormat.of().parseHex(fields[2]), fields[3]));
            }
            return vectors;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Rebuilds a frame from its canonical description (the inverse of {@link Frame#toString()}). */
    public static Frame parse(String description) {
        String[] words = description.split(" ");
        FrameType type = FrameType.valueOf(words[0]);
        Frame frame = new Frame().reset(type, value(words[1], "device"), Long.parseLong(value(words[2], "seq")),
                Long.parseLong(value(words[3], "ts")));
        switch (type) {
            case TELEMETRY:
                for (String reading : value(words[4], "readings").split(",")) {
                    String[] parts = reading.split(":");
                    frame.addReading(Sensor.valueOf(parts[0]), Integer.parseInt(parts[1]));
                }
                break;
            case COMMAND:
                frame.command(Long.parseLong(value(words[4], "epoch")), Long.parseLong(value(words[5], "corr")),
                        CommandCode.valueOf(value(words[6], "cmd")), Integer.parseInt(value(words[7], "arg")));
                break;
            case ACK:
                frame.ack(Long.parseLong(value(words[4], "epoch")), Long.parseLong(value(words[5], "corr")),
                        AckStatus.valueOf(value(words[6], "status")));
                break;
            case CREDIT:
                frame.credit(Long.parseLong(value(words[4], "credits")), Long.parseLong(value(words[5], "rate-mhz")));
                break;
            default:
                throw new AssertionError(type);
        }
        return frame;
    }

    private static String value(String word, String key) {
        if (!word.startsWith(key + "=")) throw new IllegalArgumentException("expected " + key + "=…, got " + word);
        return word.substring(key.length() + 1);
    }
}
