package dev.txlease.examples.docs;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Keeps the Java code shown in the documentation identical to compiled, tested code.
 *
 * <p>The code lives in <em>regions</em> of Java sources (in practice test sources, which run it):
 *
 * <pre>
 * // tag::lease-client[]
 * ... the lines the documentation shows ...
 * // end::lease-client[]
 * </pre>
 *
 * <p>The documentation shows a region in one of two places:
 *
 * <ul>
 *   <li>a Markdown file: every {@code ```java} block must have the line {@code <!-- snippet: NAME -->}
 *       directly above its opening fence; the block may start with {@code import} lines, each of
 *       which must be an import of the file that holds the region, and the rest must equal the
 *       region (indentation removed, trailing blanks ignored);
 *   <li>a Javadoc comment: a {@code <pre>{@code ...}}</pre>} block directly below a line {@code <!--
 *       snippet: NAME -->} must equal the region (javadoc 17 has no {@code @snippet} tag).
 * </ul>
 *
 * <p>Every region must be shown somewhere, and region names are unique. {@link #check()} returns
 * one message per problem, each naming the file, line and snippet and saying how to fix it; {@link
 * #update()} copies every region into the blocks that show it.
 *
 * <p>Not thread-safe; a check reads the files once, when it is made.
 */
final class DocSnippets {
    static final String UPDATE_PROPERTY = "txlease.snippets.update";
    static final String UPDATE_COMMAND = "mvn -B -q -pl examples -am test -Dtest=DocSnippetsTest"
            + " -Dsurefire.failIfNoSpecifiedTests=false -D" + UPDATE_PROPERTY + "=true";

    private static final Pattern TAG = Pattern.compile("^\\s*//\\s*tag::([A-Za-z0-9._-]+)\\[\\]\\s*$");
    private static final Pattern END = Pattern.compile("^\\s*//\\s*end::([A-Za-z0-9._-]+)\\[\\]\\s*$");
    private static final Pattern MARKER = Pattern.compile("^\\s*(?:\\*\\s*)?<!--\\s*snippet:\\s*([^\\s]*)\\s*-->\\s*$");
    private static final Pattern JAVA_FENCE =
            Pattern.compile("^(\\s*)(```|~~~)\\s*java\\b.*$", Pattern.CASE_INSENSITIVE);
    private static final Pattern JAVADOC_PREFIX = Pattern.compile("^(\\s*\\*) ?");
    private static final Pattern JAVADOC_CODE_START = Pattern.compile("^\\s*\\*\\s*<pre>\\{@code\\s*$");
    private static final Pattern JAVADOC_CODE_END = Pattern.compile("^\\s*\\*\\s*\\}</pre>\\s*$");
    private static final Pattern IMPORT = Pattern.compile("^import\\s+(static\\s+)?[\\w.*]+\\s*;\\s*$");

    private final Path root;
    private final Map<String, Region> regions = new LinkedHashMap<>();
    private final List<Block> blocks = new ArrayList<>();
    private final List<String> problems = new ArrayList<>();

    private DocSnippets(Path root) {
        this.root = root;
    }

    /** Reads every region and every documentation block under {@code root}. */
    static DocSnippets scan(Path root) {
        DocSnippets snippets = new DocSnippets(root);
        for (Path file : files(root, ".java")) {
            List<String> lines = read(file);
            snippets.readRegions(file, lines);
            snippets.readJavadocBlocks(file, lines);
        }
        for (Path file : files(root, ".md")) {
            snippets.readMarkdownBlocks(file, read(file));
        }
        return snippets;
    }

    /** Returns the regions found, by name. */
    Map<String, Region> regions() {
        return regions;
    }

    /** Returns the documentation blocks found. */
    List<Block> blocks() {
        return blocks;
    }

    /** Returns one message per problem; empty when the documentation shows exactly the regions. */
    List<String> check() {
        List<String> result = new ArrayList<>(problems);
        Set<String> shown = new LinkedHashSet<>();
        for (Block block : blocks) {
            if (block.name().isEmpty()) {
                continue; // reported while reading
            }
            Region region = regions.get(block.name());
            if (region == null) {
                result.add(where(block) + ": snippet '" + block.name() + "' has no region. Fix: put the code in a"
                        + " test, between the lines `// tag::" + block.name() + "[]` and `// end::" + block.name()
                        + "[]`, or correct the name in the `<!-- snippet: ... -->` line.");
                continue;
            }
            shown.add(region.name());
            for (String importLine : block.imports()) {
                if (!region.imports().contains(importLine)) {
                    result.add(where(block) + ": snippet '" + block.name() + "' shows `" + importLine
                            + "`, which " + relative(region.file()) + " does not import. Fix: remove or correct"
                            + " the line, or import it in that file (and use it in the region).");
                }
            }
            if (!block.body().equals(region.lines())) {
                result.add(where(block) + ": snippet '" + block.name() + "' differs from its region at "
                        + relative(region.file()) + ":" + region.line() + ".\n" + firstDifference(block, region)
                        + "\n  Fix: make the change in the region (compiled and run by the tests), then copy it"
                        + " into the block, or let the build copy every region:\n    " + UPDATE_COMMAND);
            }
        }
        for (Region region : regions.values()) {
            if (!shown.contains(region.name())) {
                result.add(relative(region.file()) + ":" + region.line() + ": region '" + region.name()
                        + "' is shown nowhere. Fix: add `<!-- snippet: " + region.name() + " -->` above a"
                        + " ```java block of the README (or a Javadoc <pre>{@code block}), or delete the"
                        + " tag and end lines.");
            }
        }
        return result;
    }

    /**
     * Copies every region into the blocks that show it (keeping a Markdown block's import lines) and
     * returns the files changed.
     */
    List<Path> update() {
        Map<Path, List<Block>> byFile = new LinkedHashMap<>();
        for (Block block : blocks) {
            if (regions.containsKey(block.name())) {
                byFile.computeIfAbsent(block.file(), file -> new ArrayList<>()).add(block);
            }
        }
        List<Path> changed = new ArrayList<>();
        for (Map.Entry<Path, List<Block>> entry : byFile.entrySet()) {
            List<String> lines = new ArrayList<>(read(entry.getKey()));
            List<Block> inFile = new ArrayList<>(entry.getValue());
            inFile.sort(Comparator.comparingInt(Block::firstBodyIndex).reversed()); // bottom up: indexes stay valid
            for (Block block : inFile) {
                List<String> replacement = new ArrayList<>();
                for (String line : regions.get(block.name()).lines()) {
                    replacement.add(line.isEmpty() ? block.prefix().stripTrailing() : block.prefix() + line);
                }
                List<String> current = lines.subList(block.firstBodyIndex(), block.endIndex());
                current.clear();
                current.addAll(replacement);
            }
            if (!lines.equals(read(entry.getKey()))) {
                write(entry.getKey(), lines);
                changed.add(entry.getKey());
            }
        }
        return changed;
    }

    private void readRegions(Path file, List<String> lines) {
        Map<String, Integer> open = new LinkedHashMap<>();
        Map<String, Integer> firstLine = new LinkedHashMap<>();
        Map<String, List<String>> raw = new LinkedHashMap<>();
        Set<String> imports = new LinkedHashSet<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (IMPORT.matcher(line).matches()) {
                imports.add(line.replaceAll("\\s+", " ").replace(" ;", ";"));
            }
            Matcher tag = TAG.matcher(lines.get(i));
            Matcher end = END.matcher(lines.get(i));
            if (tag.matches()) {
                open.put(tag.group(1), i);
                firstLine.putIfAbsent(tag.group(1), i + 1);
            } else if (end.matches()) {
                String name = end.group(1);
                Integer start = open.remove(name);
                if (start == null) {
                    problems.add(relative(file) + ":" + (i + 1) + ": `// end::" + name + "[]` without a `// tag::"
                            + name + "[]` above it.");
                    continue;
                }
                // Several tag/end pairs of one name in one file make one region, in order.
                raw.computeIfAbsent(name, key -> new ArrayList<>()).addAll(lines.subList(start + 1, i));
            }
        }
        for (Map.Entry<String, Integer> unclosed : open.entrySet()) {
            problems.add(relative(file) + ":" + (unclosed.getValue() + 1) + ": `// tag::" + unclosed.getKey()
                    + "[]` is never closed by `// end::" + unclosed.getKey() + "[]`.");
        }
        for (Map.Entry<String, List<String>> region : raw.entrySet()) {
            String name = region.getKey();
            addRegion(new Region(name, file, firstLine.get(name), regionLines(region.getValue()), imports));
        }
    }

    private void addRegion(Region region) {
        Region earlier = regions.putIfAbsent(region.name(), region);
        if (earlier != null) {
            problems.add(relative(region.file()) + ":" + region.line() + ": region '" + region.name()
                    + "' is also defined at " + relative(earlier.file()) + ":" + earlier.line()
                    + ". Fix: give one of them another name.");
        }
    }

    private void readJavadocBlocks(Path file, List<String> lines) {
        for (int i = 0; i + 1 < lines.size(); i++) {
            Matcher marker = MARKER.matcher(lines.get(i));
            if (!marker.matches() || !lines.get(i).strip().startsWith("*")) {
                continue;
            }
            if (!JAVADOC_CODE_START.matcher(lines.get(i + 1)).matches()) {
                problems.add(relative(file) + ":" + (i + 1) + ": a snippet line in Javadoc must be followed by a"
                        + " line `<pre>{@code`.");
                continue;
            }
            int end = i + 2;
            while (end < lines.size()
                    && !JAVADOC_CODE_END.matcher(lines.get(end)).matches()) {
                end++;
            }
            if (end == lines.size()) {
                problems.add(relative(file) + ":" + (i + 2) + ": `<pre>{@code` without a closing `}</pre>` line.");
                continue;
            }
            Matcher prefix = JAVADOC_PREFIX.matcher(lines.get(i));
            prefix.lookingAt();
            List<String> body = new ArrayList<>();
            for (String line : lines.subList(i + 2, end)) {
                Matcher stripped = JAVADOC_PREFIX.matcher(line);
                body.add(stripped.lookingAt() ? line.substring(stripped.end()) : line.strip());
            }
            blocks.add(
                    new Block(marker.group(1), file, i + 2, i + 2, end, prefix.group(1) + " ", List.of(), trim(body)));
        }
    }

    private void readMarkdownBlocks(Path file, List<String> lines) {
        for (int i = 0; i < lines.size(); i++) {
            Matcher fence = JAVA_FENCE.matcher(lines.get(i));
            if (!fence.matches()) {
                continue;
            }
            String indent = fence.group(1);
            String closing = fence.group(2);
            int end = i + 1;
            while (end < lines.size() && !lines.get(end).strip().equals(closing)) {
                end++;
            }
            Matcher marker = i > 0 ? MARKER.matcher(lines.get(i - 1)) : null;
            String name = marker != null && marker.matches() ? marker.group(1) : "";
            if (name.isEmpty()) {
                problems.add(relative(file) + ":" + (i + 1) + ": this ```java block is not a tested snippet. Fix:"
                        + " put its code in a test between `// tag::NAME[]` and `// end::NAME[]` and add the line"
                        + " `<!-- snippet: NAME -->` directly above the ```java line (see 'Contributing: README"
                        + " snippets' in README.md).");
            }
            List<String> body = new ArrayList<>();
            for (String line : lines.subList(i + 1, end)) {
                body.add(line.startsWith(indent) ? line.substring(indent.length()) : line.strip());
            }
            List<String> imports = new ArrayList<>();
            int firstBody = 0;
            while (firstBody < body.size()
                    && (IMPORT.matcher(body.get(firstBody).strip()).matches()
                            || (!imports.isEmpty() && body.get(firstBody).isBlank()))) {
                if (!body.get(firstBody).isBlank()) {
                    imports.add(
                            body.get(firstBody).strip().replaceAll("\\s+", " ").replace(" ;", ";"));
                }
                firstBody++;
            }
            blocks.add(new Block(
                    name,
                    file,
                    i + 1,
                    i + 1 + firstBody,
                    end,
                    indent,
                    imports,
                    trim(body.subList(firstBody, body.size()))));
            i = end;
        }
    }

    /** The region's lines without nested markers, their common indentation and trailing blanks. */
    private static List<String> regionLines(List<String> raw) {
        List<String> lines = new ArrayList<>();
        for (String line : raw) {
            if (!TAG.matcher(line).matches() && !END.matcher(line).matches()) {
                lines.add(line.stripTrailing());
            }
        }
        int indent = lines.stream()
                .filter(line -> !line.isBlank())
                .mapToInt(line -> line.length() - line.stripLeading().length())
                .min()
                .orElse(0);
        List<String> dedented = new ArrayList<>();
        for (String line : lines) {
            dedented.add(line.isBlank() ? "" : line.substring(indent));
        }
        return trim(dedented);
    }

    /** Strips trailing blanks of each line and drops blank lines at both ends. */
    private static List<String> trim(List<String> lines) {
        List<String> result = new ArrayList<>();
        for (String line : lines) {
            result.add(line.stripTrailing());
        }
        while (!result.isEmpty() && result.get(0).isEmpty()) {
            result.remove(0);
        }
        while (!result.isEmpty() && result.get(result.size() - 1).isEmpty()) {
            result.remove(result.size() - 1);
        }
        return List.copyOf(result);
    }

    private static String firstDifference(Block block, Region region) {
        List<String> shown = block.body();
        List<String> tested = region.lines();
        int i = 0;
        while (i < shown.size() && i < tested.size() && shown.get(i).equals(tested.get(i))) {
            i++;
        }
        String shownLine = i < shown.size() ? "`" + shown.get(i) + "`" : "(block ends)";
        String testedLine = i < tested.size() ? "`" + tested.get(i) + "`" : "(region ends)";
        return "  line " + (i + 1) + " of the snippet:\n    shown:  " + shownLine + "\n    tested: " + testedLine;
    }

    private String where(Block block) {
        return relative(block.file()) + ":" + block.line();
    }

    private String relative(Path file) {
        return root.relativize(file).toString().replace('\\', '/');
    }

    private static List<Path> files(Path root, String suffix) {
        try (Stream<Path> paths = Files.walk(root)) {
            return paths.filter(path -> path.getFileName().toString().endsWith(suffix))
                    .filter(path -> Files.isRegularFile(path))
                    .filter(path -> !skipped(root.relativize(path)))
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException("could not list the files under " + root, e);
        }
    }

    /** Build output, version control and tool directories hold no documentation of ours. */
    private static boolean skipped(Path relative) {
        for (Path part : relative) {
            String name = part.toString();
            if (name.equals("target") || name.equals("node_modules") || (name.startsWith(".") && name.length() > 1)) {
                return true;
            }
        }
        return false;
    }

    private static List<String> read(Path file) {
        try {
            return Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("could not read " + file, e);
        }
    }

    private static void write(Path file, List<String> lines) {
        try {
            Files.writeString(file, String.join("\n", lines) + "\n", StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("could not write " + file, e);
        }
    }

    /** Finds the repository root: the nearest directory up from {@code start} with txlease's parent POM. */
    static Path repositoryRoot(Path start) {
        for (Path directory = start.toAbsolutePath(); directory != null; directory = directory.getParent()) {
            Path pom = directory.resolve("pom.xml");
            if (Files.isRegularFile(pom)
                    && Files.isRegularFile(directory.resolve("README.md"))
                    && String.join("\n", read(pom)).contains("<artifactId>txlease-parent</artifactId>")) {
                return directory;
            }
        }
        throw new IllegalStateException(
                "no directory above " + start + " holds txlease's parent pom.xml and README.md");
    }

    /** A tagged region of a Java source: the code a snippet must show. */
    record Region(String name, Path file, int line, List<String> lines, Set<String> imports) {}

    /**
     * A block of documentation that shows a region.
     *
     * @param name the snippet name, empty if the block has no marker
     * @param file the file
     * @param line the 1-based line of the opening fence or {@code <pre>{@code}
     * @param firstBodyIndex the 0-based index of the first line that must equal the region
     * @param endIndex the 0-based index of the closing line
     * @param prefix what precedes each line of code in the file
     * @param imports the import lines the block shows (Markdown only)
     * @param body the lines that must equal the region
     */
    record Block(
            String name,
            Path file,
            int line,
            int firstBodyIndex,
            int endIndex,
            String prefix,
            List<String> imports,
            List<String> body) {}
}
