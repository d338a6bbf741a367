package dev.storyloop.stories.scenario;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.stream.Collectors;

/**
 * Reads {@code scenario.yaml} strictly: unknown keys, wrong types and values out of range are
 * errors naming the file, the line and the field, before anything runs.
 */
public final class ScenarioFile {
    public static final long FILE_BYTES_MAX = 256 * 1024;
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory())
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT);

    /** A scenario file that cannot be used, and why, in one line a user can act on. */
    public static final class Invalid extends Exception {
        public Invalid(String message) {
            super(message);
        }
    }

    private ScenarioFile() {}

    public static Scenario read(Path file) throws Invalid {
        String text;
        try {
            if (Files.size(file) > FILE_BYTES_MAX) throw new Invalid(file + ": larger than " + FILE_BYTES_MAX / 1024 + " KiB");
            text = Files.readString(file);
        } catch (NoSuchFileException e) {
            throw new Invalid(file + ": no such file");
        } catch (IOException e) {
            throw new Invalid(file + ": cannot read: " + e.getMessage());
        }
        return parse(file.toString(), text);
    }

    public static Scenario parse(String name, String yaml) throws Invalid {
        try {
            Scenario scenario = YAML.readValue(yaml, Scenario.class);
            if (scenario == null) throw new Invalid(name + ": empty");
            return scenario;
        } catch (JsonMappingException e) {
            throw new Invalid(describe(name, yaml, e));
        } catch (IOException e) {
            throw new Invalid(name + ": not YAML: " + e.getMessage().lines().findFirst().orElse(""));
        }
    }

    /** The last line at or before {@code near} where {@code key} is written as a key. */
    private static int lineOfKey(String yaml, String key, int near) {
        String[] lines = yaml.split("\n", -1);
        java.util.regex.Pattern keyAt = java.util.regex.Pattern.compile("^[\\s-]*(\\{\\s*)?([^:#]*[,{]\\s*)?" + java.util.regex.Pattern.quote(key) + "\\s*:");
        for (int i = Math.min(near, lines.length) - 1; i >= 0; i--) {
            if (keyAt.matcher(lines[i]).find()) return i + 1;
        }
        return near;
    }

    private static String describe(String name, String yaml, JsonMappingException e) {
        JsonLocation where = e.getLocation();
        int lineNr = where == null ? -1 : where.getLineNr();
        if (e instanceof UnrecognizedPropertyException unknown && lineNr > 0) {
            lineNr = lineOfKey(yaml, unknown.getPropertyName(), lineNr); // the parser may already stand past the key's value
        }
        String line = lineNr < 0 ? "" : ":" + lineNr;
        String field = e.getPath().stream()
                .map(ref -> ref.getFieldName() != null ? ref.getFieldName() : "[" + ref.getIndex() + "]")
                .collect(Collectors.joining(".")).replace(".[", "[");
        String why;
        if (e instanceof UnrecognizedPropertyException unknown) {
            why = "unknown key '" + unknown.getPropertyName() + "'";
        } else {
            Throwable root = e;
            while (root.getCause() != null && root.getCause() != root) root = root.getCause();
            why = root instanceof IllegalArgumentException ? root.getMessage() : e.getOriginalMessage().lines().findFirst().orElse("");
        }
        return name + line + ": " + (field.isEmpty() ? "" : field + ": ") + why;
    }
}
