package dev.storyloop.protocol;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * The conformance kit: a script of messages a device sends to a gateway, and of commands the gateway
 * sends, each with the reaction a conforming gateway must show. Published in the test jar with the
 * vectors; {@code ConformanceKitTest} in the gateway runs it against the gateway core.
 *
 * <p>{@code conformance.tsv}, one step a line, tab-separated: step number; the gateway's clock in
 * milliseconds; the action; the MQTT topic; the payload (hex; {@code text:} and UTF-8 for a
 * status); the expected reaction; what the step shows. Actions:
 * <ul>
 *   <li>{@code publish}: a device publishes the payload on the topic. The reaction is {@code accepted}
 *       or the refusal's metric label ({@code replay}, {@code bad-tag}, ...).</li>
 *   <li>{@code command}: the API asks for the command in the description ({@code BLINK 3}); the
 *       gateway must publish exactly the payload on the topic. The reaction is {@code sent}.</li>
 * </ul>
 * The gateway under test runs with epoch 1 and the development fleet's keys.
 */
public final class ConformanceKit {
    public static final String RESOURCE = "/dev/storyloop/protocol/vectors/conformance.tsv";
    public static final long EPOCH = 1;

    /** One step of the kit. */
    public record Step(int number, long atMillis, String action, String topic, byte[] payload, String expected, String description) {
        @Override
        public String toString() {
            return number + " " + description;
        }
    }

    private ConformanceKit() {}

    public static List<Step> steps() {
        try (InputStream in = ConformanceKit.class.getResourceAsStream(RESOURCE)) {
            if (in == null) throw new IllegalStateException("missing conformance kit " + RESOURCE);
            List<Step> steps = new ArrayList<>();
            int lineNumber = 0;
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                lineNumber++;
                if (line.isBlank() || line.startsWith("#")) continue;
                String[] f = line.split("\t", -1);
                if (f.length != 7) throw new IllegalStateException(RESOURCE + ":" + lineNumber + ": expected 7 tab-separated fields");
                byte[] payload = f[4].startsWith("text:") ? f[4].substring(5).getBytes(StandardCharsets.UTF_8) : HexFormat.of().parseHex(f[4]);
                steps.add(new Step(Integer.parseInt(f[0]), Long.parseLong(f[1]), f[2], f[3], payload, f[5], f[6]));
            }
            return steps;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
