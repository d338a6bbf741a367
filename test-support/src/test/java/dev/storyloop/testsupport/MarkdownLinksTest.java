package dev.storyloop.testsupport;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Keeps the documentation's relative links working: every {@code [text](path#anchor)} in a committed Markdown file
 * must name a file that exists and, for a Markdown target, a heading or {@code <a id>} that it has. The READMEs link
 * into each other's sections, so moving or renaming a section would otherwise break them without anyone noticing.
 */
class MarkdownLinksTest {
    /** The test runs in test-support/; the repository's root is its parent. */
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

    @Test
    void shouldFindEveryRelativeLinkTargetInTheRepository() {
        assertThat(ROOT.resolve("pom.xml")).as("the repository root").exists();
        List<Path> files = markdownFiles(ROOT);
        assertThat(files).as("Markdown files under " + ROOT).hasSizeGreaterThan(5);

        List<String> broken = new LinkChecker(ROOT).check(files);

        assertThat(broken).as("broken relative links").isEmpty();
    }

    @Test
    void shouldReportAMissingFileAndAMissingAnchorWithFileAndLine(@TempDir Path root) throws IOException {
        Files.writeString(root.resolve("a.md"), """
                # Title

                ## The broker's fixture (`--store`)

                See [the fixture](#the-brokers-fixture---store), [b](b.md#second), [gone](gone.md) and [b's top](b.md#nowhere).
                `[in code](gone-too.md)` is not a link, and neither is a URL: [site](https://example.org/x).

                ```
                [in a fence](gone-three.md)
                ```
                """);
        Files.writeString(root.resolve("b.md"), "# First\n\n## Second\n\n<a id=\"made-by-hand\"></a>\n[back](a.md#made-by-hand-not)\n");

        List<String> broken = new LinkChecker(root).check(List.of(root.resolve("a.md"), root.resolve("b.md")));

        assertThat(broken).containsExactly(
                "a.md:5: no file gone.md",
                "a.md:5: no anchor #nowhere in b.md",
                "b.md:6: no anchor #made-by-hand-not in a.md");
    }

    @Test
    void shouldSlugHeadingsAsGitHubDoes(@TempDir Path dir) throws IOException {
        Path md = dir.resolve("x.md");
        Files.writeString(md, "# Durable books (`--store`)\n## 2026-12-07: replay and the console's cost\n## Tests\n## Tests\n");

        assertThat(new LinkChecker(dir).anchors(md))
                .containsExactlyInAnyOrder("durable-books---store", "2026-12-07-replay-and-the-consoles-cost", "tests", "tests-1");
    }

    private static List<Path> markdownFiles(Path root) {
        try (Stream<Path> walk = Files.walk(root)) {
            return walk.filter(p -> p.toString().endsWith(".md"))
                    .filter(p -> !ignored(root.relativize(p)))
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Build output, hidden folders and live results (never committed) are not documentation. */
    private static boolean ignored(Path relative) {
        for (Path part : relative) {
            String name = part.toString();
            if (name.equals("target") || name.startsWith(".") || name.equals("results-live") || name.equals("node_modules")) return true;
        }
        return false;
    }

    /** Finds the relative links in Markdown files whose file or anchor does not exist. */
    static final class LinkChecker {
        private static final Pattern FENCE = Pattern.compile("^\\s*(```|~~~)");
        private static final Pattern CODE_SPAN = Pattern.compile("`[^`]*`");
        private static final Pattern LINK = Pattern.compile("\\]\\(([^)\\s]+)\\)");
        private static final Pattern HEADING = Pattern.compile("^#{1,6}\\s+(.*?)\\s*#*\\s*$");
        private static final Pattern HTML_ANCHOR = Pattern.compile("<a\\s+(?:id|name)=\"([^\"]+)\"");
        private static final Pattern SCHEME = Pattern.compile("^[a-zA-Z][a-zA-Z0-9+.-]*:");

        private final Path root;
        private final Map<Path, Set<String>> anchorsByFile = new HashMap<>();

        LinkChecker(Path root) {
            this.root = root;
        }

        List<String> check(List<Path> files) {
            List<String> broken = new ArrayList<>();
            for (Path file : files) {
                List<String> lines = read(file);
                boolean inFence = false;
                for (int i = 0; i < lines.size(); i++) {
                    String line = lines.get(i);
                    if (FENCE.matcher(line).find()) {
                        inFence = !inFence;
                        continue;
                    }
                    if (inFence) continue;
                    Matcher m = LINK.matcher(CODE_SPAN.matcher(line).replaceAll(""));
                    while (m.find()) {
                        String problem = problem(file, m.group(1));
                        if (problem != null) broken.add(root.relativize(file) + ":" + (i + 1) + ": " + problem);
                    }
                }
            }
            return broken;
        }

        private String problem(Path file, String target) {
            if (SCHEME.matcher(target).find()) return null;
            int hash = target.indexOf('#');
            String path = hash < 0 ? target : target.substring(0, hash);
            String anchor = hash < 0 ? "" : target.substring(hash + 1);
            Path resolved = path.isEmpty() ? file : file.getParent().resolve(path).normalize();
            if (!Files.exists(resolved)) return "no file " + path;
            if (anchor.isEmpty() || !resolved.toString().endsWith(".md")) return null;
            return anchors(resolved).contains(anchor) ? null : "no anchor #" + anchor + " in " + root.relativize(resolved);
        }

        /** The anchors GitHub gives a file's headings (repeats get -1, -2, ...), plus explicit {@code <a id>} ones. */
        Set<String> anchors(Path file) {
            return anchorsByFile.computeIfAbsent(file, f -> {
                Set<String> anchors = new HashSet<>();
                Map<String, Integer> seen = new HashMap<>();
                boolean inFence = false;
                for (String line : read(f)) {
                    if (FENCE.matcher(line).find()) {
                        inFence = !inFence;
                        continue;
                    }
                    if (inFence) continue;
                    Matcher h = HEADING.matcher(line);
                    if (h.matches()) {
                        String slug = slug(h.group(1));
                        int n = seen.merge(slug, 1, Integer::sum) - 1;
                        anchors.add(n == 0 ? slug : slug + "-" + n);
                    }
                    Matcher a = HTML_ANCHOR.matcher(line);
                    while (a.find()) anchors.add(a.group(1));
                }
                return anchors;
            });
        }

        private static String slug(String heading) {
            return heading.replaceAll("<[^>]+>", "").strip().toLowerCase(Locale.ROOT)
                    .replaceAll("[^\\p{L}\\p{N}_\\- ]", "")
                    .replace(' ', '-');
        }

        private static List<String> read(Path file) {
            try {
                return Files.readAllLines(file);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
