package dev.storyloop.stories.scenario;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.storyloop.stories.catalog.MetricCatalog;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Reads {@code scenario.yaml} strictly: unknown keys, wrong types, values out of range and YAML
 * syntax errors are errors naming the file, the line and the field, in the writer's words (a tab
 * that indents a line, a list left open, a misspelt key with the key it probably meant), before
 * anything runs. Each variant's world is the scenario with the variant's sections merged over it.
 */
public final class ScenarioFile {
    public static final long FILE_BYTES_MAX = 256 * 1024;
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory())
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT);
    private static final Pattern MISSING = Pattern.compile("Missing required creator property '([^']+)'");

    /** A scenario file that cannot be used, and why, in one line a user can act on. */
    public static final class Invalid extends Exception {
        public Invalid(String message) {
            super(message);
        }
    }

    private ScenarioFile() {}

    /** Reads {@code file} and checks its claims, plots and comparisons for {@code world}: every problem at once, before a run. */
    public static Scenario readChecked(Path file, dev.storyloop.stories.catalog.Metric.World world) throws Invalid {
        Scenario scenario = read(file);
        List<String> problems = new java.util.ArrayList<>(ClaimCheck.problems(file.toString(), text(file), scenario, world));
        Path story = file.resolveSibling("story.md");
        if (java.nio.file.Files.isRegularFile(story)) problems.addAll(ClaimCheck.linkProblems(text(story), scenario));
        if (!problems.isEmpty()) throw new Invalid(String.join("\n", problems));
        return scenario;
    }

    private static String text(Path file) throws Invalid {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new Invalid(file + ": cannot read: " + e.getMessage());
        }
    }

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
        rejectTabs(name, yaml);
        JsonNode tree;
        Scenario scenario;
        try {
            tree = YAML.readTree(yaml);
            if (tree == null || tree.isMissingNode() || tree.isNull()) throw new Invalid(name + ": empty");
            if (!tree.isObject()) throw new Invalid(name + ":1: the file must be a map of keys (title: ..., duration: ..., expect: ...)");
            scenario = YAML.readValue(yaml, Scenario.class);
        } catch (JsonMappingException e) {
            throw new Invalid(describe(name, yaml, e, parsedOrNull(yaml)));
        } catch (JsonProcessingException e) {
            throw new Invalid(syntax(name, yaml, e));
        } catch (IOException e) {
            throw new Invalid(name + ": not YAML: " + e.getMessage().lines().findFirst().orElse(""));
        }
        return withWorlds(name, yaml, (ObjectNode) tree, scenario);
    }

    /** Each variant with its world: the scenario's tree with the variant's sections merged in, read again. */
    private static Scenario withWorlds(String name, String yaml, ObjectNode tree, Scenario scenario) throws Invalid {
        JsonNode variants = tree.get("variants");
        if (variants == null || !variants.isArray() || variants.isEmpty()) return scenario;
        ObjectNode base = tree.deepCopy();
        base.remove("variants");
        List<Scenario.Variant> merged = new ArrayList<>();
        for (int i = 0; i < variants.size(); i++) {
            JsonNode variant = variants.get(i);
            Scenario.Variant declared = scenario.variants().get(i);
            ObjectNode world = base.deepCopy();
            for (String section : Scenario.Variant.SECTIONS) {
                if (variant.has(section)) merge(world, section, variant.get(section));
            }
            if (variant.has("firmware")) {
                ObjectNode devices = world.has("devices") && world.get("devices").isObject() ? (ObjectNode) world.get("devices") : world.putObject("devices");
                merge(devices, "firmware", variant.get("firmware"));
            }
            if (variant.has("commands-every") && world.path("gateway").path("commands").isObject()) {
                ((ObjectNode) world.get("gateway").get("commands")).set("every", variant.get("commands-every"));
            }
            try {
                merged.add(declared.in(YAML.treeToValue(world, Scenario.class)));
            } catch (JsonMappingException e) {
                int line = lineOf(yaml, "name:\\s*[\"']?" + Pattern.quote(declared.name()) + "[\"']?\\s*$");
                String field = path(e);
                String why = why(e);
                Matcher missing = MISSING.matcher(e.getOriginalMessage() == null ? "" : e.getOriginalMessage());
                String misspelt = missing.find() ? misspeltKeyIn(world, e, missing.group(1)) : null;
                if (misspelt != null) {
                    // As at the top level: the misspelling is the mistake, not the required key it left missing.
                    if (field.endsWith("." + missing.group(1))) field = field.substring(0, field.length() - missing.group(1).length() - 1);
                    why = "unknown key '" + misspelt + "' (did you mean '" + missing.group(1) + "'?)";
                    line = lineOfKeyAfter(yaml, misspelt, Math.max(line, 1));
                }
                throw new Invalid(name + (line > 0 ? ":" + line : "") + ": variant '" + declared.name() + "'"
                        + (field.isEmpty() ? "" : ": " + field) + ": " + why);
            } catch (JsonProcessingException e) {
                throw new Invalid(name + ": variant '" + declared.name() + "': " + e.getOriginalMessage());
            }
        }
        return scenario.withVariants(merged);
    }

    /** Sets {@code key} of {@code target} to {@code value}; maps merge key by key, anything else (lists too) replaces. */
    static void merge(ObjectNode target, String key, JsonNode value) {
        JsonNode existing = target.get(key);
        if (existing != null && existing.isObject() && value.isObject()) {
            for (Iterator<String> names = value.fieldNames(); names.hasNext(); ) {
                String field = names.next();
                merge((ObjectNode) existing, field, value.get(field));
            }
        } else {
            target.set(key, value.deepCopy());
        }
    }

    /** YAML indents with spaces only; SnakeYAML would report a tab on a later line. */
    private static void rejectTabs(String name, String yaml) throws Invalid {
        String[] lines = yaml.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i];
            int first = 0;
            while (first < line.length() && (line.charAt(first) == ' ' || line.charAt(first) == '\t')) first++;
            if (line.substring(0, first).indexOf('\t') >= 0) {
                throw new Invalid(name + ":" + (i + 1) + ": a tab indents this line; YAML indents with spaces only");
            }
        }
    }

    /** A YAML syntax error in words: what is wrong and the line it is on. */
    private static String syntax(String name, String yaml, JsonProcessingException e) {
        JsonLocation where = e.getLocation();
        int line = where == null ? -1 : where.getLineNr();
        String message = e.getOriginalMessage() == null ? "" : e.getOriginalMessage();
        String why;
        if (message.contains("Duplicate field")) {
            Matcher m = Pattern.compile("Duplicate field '([^']+)'").matcher(message);
            String key = m.find() ? m.group(1) : "?";
            why = "the key '" + key + "' appears twice in the same map";
            line = lineOfKey(yaml, key, line > 0 ? line : yaml.split("\n", -1).length);
        } else if (message.contains("expected ',' or ']'")) {
            why = "a [ list is not closed with ] (or an item in it is not followed by a comma)";
            line = lineOf(yaml, "\\[[^\\]]*$", line);
        } else if (message.contains("expected ',' or '}'")) {
            why = "a { map is not closed with } (or an entry in it is not followed by a comma)";
            line = lineOf(yaml, "\\{[^}]*$", line);
        } else if (message.contains("mapping values are not allowed here")) {
            why = "a ':' where no key can start: quote a text that contains ': ', or check the indentation of this line";
        } else if (message.contains("could not find expected ':'")) {
            why = "a line that is not 'key: value': a ':' is missing, or the line is indented like a key of the line above";
            line = Math.max(1, line - 1);
        } else if (message.contains("did not find expected key") || message.contains("expected <block end>")) {
            why = "a line indented differently from the keys around it (keys of one map line up)";
        } else if (message.contains("did not find expected '-' indicator")) {
            why = "a list item that does not line up with the items before it (each starts with '- ' at the same indentation)";
        } else if (message.contains("found unexpected end of stream") || message.contains("unexpected end")) {
            why = "a quoted text is not closed (a \" or ' without its partner)";
            line = lineOf(yaml, "^[^#]*([\"'])[^\"']*$", line);
        } else {
            why = "not valid YAML: " + message.lines().findFirst().orElse("").replaceAll("\\s+at \\[Source.*", "");
        }
        return name + (line > 0 ? ":" + line : "") + ": " + why;
    }

    /** The last line at or before {@code near} matching {@code regex}, or {@code near}. */
    private static int lineOf(String yaml, String regex, int near) {
        String[] lines = yaml.split("\n", -1);
        Pattern p = Pattern.compile(regex);
        for (int i = Math.min(near < 0 ? lines.length : near, lines.length) - 1; i >= 0; i--) {
            if (p.matcher(lines[i]).find()) return i + 1;
        }
        return near;
    }

    private static int lineOf(String yaml, String regex) {
        return lineOf(yaml, regex, -1);
    }

    /** The last line at or before {@code near} where {@code key} is written as a key. */
    private static int lineOfKey(String yaml, String key, int near) {
        String[] lines = yaml.split("\n", -1);
        Pattern keyAt = Pattern.compile("^[\\s-]*(\\{\\s*)?([^:#]*[,{]\\s*)?" + Pattern.quote(key) + "\\s*:");
        for (int i = Math.min(near, lines.length) - 1; i >= 0; i--) {
            if (keyAt.matcher(lines[i]).find()) return i + 1;
        }
        return near;
    }

    /** The first line at or after {@code from} (1-based) where {@code key} is written as a key, in block or flow style; else {@code from}. */
    private static int lineOfKeyAfter(String yaml, String key, int from) {
        String[] lines = yaml.split("\n", -1);
        Pattern keyAt = Pattern.compile("(^|[\\s{,\\[-])" + Pattern.quote(key) + "\\s*:");
        for (int i = from - 1; i < lines.length; i++) {
            if (keyAt.matcher(lines[i].replaceAll("#.*", "")).find()) return i + 1;
        }
        return from;
    }

    private static String path(JsonMappingException e) {
        return e.getPath().stream()
                .map(ref -> ref.getFieldName() != null ? ref.getFieldName() : "[" + ref.getIndex() + "]")
                .collect(Collectors.joining(".")).replace(".[", "[");
    }

    private static String why(JsonMappingException e) {
        if (e instanceof UnrecognizedPropertyException unknown) return unknownKey(unknown);
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) root = root.getCause();
        if (root instanceof IllegalArgumentException) return root.getMessage();
        String message = e.getOriginalMessage().lines().findFirst().orElse("");
        Matcher missing = MISSING.matcher(message);
        if (missing.find()) return "missing key '" + missing.group(1) + "'";
        Matcher unitless = Pattern.compile("Cannot construct instance of `[^`]*\\$Duration`.*from (?:Number|Integer|Floating-point) value \\(([^)]*)\\)").matcher(message);
        if (unitless.find()) return "'" + unitless.group(1) + "' has no unit: write a duration like 250ms, 1s, 2m or 1h";
        Matcher text = Pattern.compile("no String-argument constructor/factory method to deserialize from String value \\('(.*)'\\)").matcher(message);
        if (text.find()) return "expected keys (key: value) here, found the text '" + text.group(1) + "'; is a ':' missing?";
        Matcher type = Pattern.compile("Cannot deserialize value of type `([^`]+)` from (\\w+) (?:value )?\"?([^\"]*)\"?").matcher(message);
        if (type.find()) {
            String wanted = switch (type.group(1)) {
                case "java.lang.Integer", "int", "java.lang.Long", "long" -> "a whole number";
                case "java.lang.Double", "double" -> "a number";
                case "java.lang.Boolean", "boolean" -> "true or false";
                default -> type.group(1).matches("java\\.util\\.\\w*List.*") ? "a list" : type.group(1).contains("$")
                        ? "keys (key: value)" : "a " + type.group(1).replaceAll(".*\\.", "").toLowerCase(java.util.Locale.ROOT);
            };
            String found = switch (type.group(2)) {
                case "Object" -> "a map of keys";
                case "Array" -> "a list";
                default -> "the text '" + type.group(3) + "'";
            };
            return "expected " + wanted + ", found " + found;
        }
        return message;
    }

    private static String unknownKey(UnrecognizedPropertyException unknown) {
        List<String> known = unknown.getKnownPropertyIds() == null ? List.of()
                : unknown.getKnownPropertyIds().stream().map(String::valueOf).sorted().toList();
        List<String> close = MetricCatalog.closest(unknown.getPropertyName(), known);
        return "unknown key '" + unknown.getPropertyName() + "'" + (close.isEmpty() ? "" : " (did you mean '" + close.get(0) + "'?)");
    }

    private static JsonNode parsedOrNull(String yaml) {
        try {
            return YAML.readTree(yaml);
        } catch (IOException e) {
            return null;
        }
    }

    private static String describe(String name, String yaml, JsonMappingException e, JsonNode tree) {
        JsonLocation where = e.getLocation();
        int lineNr = where == null ? -1 : where.getLineNr();
        if (e instanceof UnrecognizedPropertyException unknown && lineNr > 0) {
            lineNr = lineOfKey(yaml, unknown.getPropertyName(), lineNr); // the parser may already stand past the key's value
        }
        String field = path(e);
        String why = why(e);
        Matcher missing = MISSING.matcher(e.getOriginalMessage() == null ? "" : e.getOriginalMessage());
        if (missing.find()) {
            // A misspelt key makes a required one missing; Jackson reports the missing one first. Name the misspelling.
            String wanted = missing.group(1);
            String misspelt = misspeltKeyIn(tree, e, wanted);
            if (field.endsWith("." + wanted)) field = field.substring(0, field.length() - wanted.length() - 1);
            if (misspelt != null) {
                lineNr = lineOfKey(yaml, misspelt, lineNr > 0 ? lineNr : yaml.split("\n", -1).length);
                why = "unknown key '" + misspelt + "' (did you mean '" + wanted + "'?)";
            }
        }
        String line = lineNr < 0 ? "" : ":" + lineNr;
        return name + line + ": " + (field.isEmpty() ? "" : field + ": ") + why;
    }

    /** A key of the map the error is in that is close to {@code wanted} but not it: the misspelling that left {@code wanted} missing. */
    private static String misspeltKeyIn(JsonNode tree, JsonMappingException e, String wanted) {
        JsonNode node = tree;
        List<JsonMappingException.Reference> path = e.getPath();
        for (JsonMappingException.Reference ref : path) {
            if (node == null) return null;
            if (ref.getFieldName() != null && ref.getFieldName().equals(wanted) && ref == path.get(path.size() - 1)) break;
            node = ref.getFieldName() != null ? node.get(ref.getFieldName()) : node.get(ref.getIndex());
        }
        if (node == null || !node.isObject()) return null;
        for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
            String candidate = names.next();
            if (!candidate.equals(wanted) && MetricCatalog.distance(candidate, wanted) <= 2) return candidate;
        }
        return null;
    }
}
