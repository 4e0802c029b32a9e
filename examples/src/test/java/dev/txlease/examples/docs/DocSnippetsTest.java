package dev.txlease.examples.docs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every Java block of the documentation (README.md, any other Markdown file, marked Javadoc
 * examples) is a region of compiled, tested code; see {@link DocSnippets} and "Contributing: README
 * snippets" in the README.
 */
class DocSnippetsTest {
    private static final String TAG = "// tag::";
    private static final String END = "// end::";

    @Test
    void everyJavaBlockOfTheDocumentationIsATestedRegion() {
        Path root = DocSnippets.repositoryRoot(Path.of(""));
        DocSnippets snippets = DocSnippets.scan(root);
        if (Boolean.getBoolean(DocSnippets.UPDATE_PROPERTY)) {
            List<Path> changed = snippets.update();
            System.out.println("Copied the regions into " + changed);
            snippets = DocSnippets.scan(root);
        }
        List<String> problems = snippets.check();
        assertTrue(
                problems.isEmpty(),
                () -> problems.size() + " documentation snippet problem(s):\n\n" + String.join("\n\n", problems));
        assertTrue(snippets.blocks().size() >= 6, "the README's blocks were not found: " + snippets.blocks());
    }

    @Test
    void aBlockEqualToItsRegionPasses(@TempDir Path root) throws IOException {
        repository(
                root, List.of("<!-- snippet: greet -->", "```java", "import java.util.List;", "", "hello();", "```"));

        assertEquals(List.of(), DocSnippets.scan(root).check());
    }

    @Test
    void aChangedBlockFailsNamingTheBlockTheRegionAndTheFix(@TempDir Path root) throws IOException {
        repository(root, List.of("Intro", "<!-- snippet: greet -->", "```java", "hello(1);", "```"));

        List<String> problems = DocSnippets.scan(root).check();

        assertEquals(1, problems.size(), problems.toString());
        String problem = problems.get(0);
        assertTrue(problem.startsWith("README.md:3: snippet 'greet' differs from its region at "), problem);
        assertTrue(problem.contains("src/test/java/Greeting.java:"), problem);
        assertTrue(problem.contains("shown:  `hello(1);`") && problem.contains("tested: `hello();`"), problem);
        assertTrue(problem.contains(DocSnippets.UPDATE_COMMAND), problem);
    }

    @Test
    void severalTagPairsOfOneNameInOneFileMakeOneRegionAndDuplicatesAcrossFilesFail(@TempDir Path root)
            throws IOException {
        repository(root, List.of("<!-- snippet: split -->", "```java", "first();", "    second();", "```"));
        write(
                root.resolve("src/test/java/Split.java"),
                List.of(
                        "class Split {",
                        "    " + TAG + "split[]",
                        "    first();",
                        "    " + END + "split[]",
                        "    assertSomething();",
                        "        " + TAG + "split[]",
                        "        second();",
                        "        " + END + "split[]",
                        "}"));
        appendRegion(root, "greet", "hello();");

        List<String> problems = DocSnippets.scan(root).check();

        assertEquals(2, problems.size(), problems.toString()); // 'split' matches; 'greet' is twice, shown nowhere
        assertTrue(problems.get(0).contains("region 'greet' is also defined at src/test/java/Greeting.java:4"));
        assertTrue(problems.get(1).contains("region 'greet' is shown nowhere"));
    }

    @Test
    void anUnclosedTagAndAJavadocMarkerWithoutCodeFail(@TempDir Path root) throws IOException {
        repository(root, List.of("<!-- snippet: greet -->", "```java", "hello();", "```"));
        write(
                root.resolve("src/main/java/Broken.java"),
                List.of(
                        "/**",
                        " * <!-- snippet: greet -->",
                        " * <pre>",
                        " */",
                        "class Broken {",
                        "  " + TAG + "open[]",
                        "}"));

        List<String> problems = DocSnippets.scan(root).check();

        assertEquals(2, problems.size(), problems.toString());
        assertTrue(problems.get(0).startsWith("src/main/java/Broken.java:6: `// tag::open[]` is never closed"));
        assertTrue(problems.get(1).startsWith("src/main/java/Broken.java:2: a snippet line in Javadoc must be"));
    }

    @Test
    void aJavaBlockWithoutMarkerFails(@TempDir Path root) throws IOException {
        repository(
                root, List.of("<!-- snippet: greet -->", "```java", "hello();", "```", "", "```java", "x();", "```"));

        List<String> problems = DocSnippets.scan(root).check();

        assertEquals(1, problems.size(), problems.toString());
        assertTrue(
                problems.get(0).startsWith("README.md:6: this ```java block is not a tested snippet."),
                problems.get(0));
    }

    @Test
    void aMarkerWithoutRegionAndARegionShownNowhereFail(@TempDir Path root) throws IOException {
        repository(root, List.of("<!-- snippet: greeting -->", "```java", "hello();", "```"));

        List<String> problems = DocSnippets.scan(root).check();

        assertEquals(2, problems.size(), problems.toString());
        assertTrue(problems.get(0).startsWith("README.md:2: snippet 'greeting' has no region."), problems.get(0));
        assertTrue(problems.get(1).contains("region 'greet' is shown nowhere."), problems.get(1));
    }

    @Test
    void anImportTheRegionsFileDoesNotHaveFails(@TempDir Path root) throws IOException {
        repository(root, List.of("<!-- snippet: greet -->", "```java", "import java.util.Map;", "hello();", "```"));

        List<String> problems = DocSnippets.scan(root).check();

        assertEquals(1, problems.size(), problems.toString());
        assertTrue(problems.get(0).contains("shows `import java.util.Map;`"), problems.get(0));
    }

    @Test
    void aJavadocExampleIsCheckedToo(@TempDir Path root) throws IOException {
        repository(root, List.of("<!-- snippet: greet -->", "```java", "hello();", "```"));
        write(
                root.resolve("api/src/main/java/Api.java"),
                List.of(
                        "/**",
                        " * Use it so:",
                        " *",
                        " * <!-- snippet: api-example -->",
                        " * <pre>{@code",
                        " * hello(2);",
                        " * }</pre>",
                        " */",
                        "interface Api {}"));
        appendRegion(root, "api-example", "hello(3);");

        List<String> problems = DocSnippets.scan(root).check();

        assertEquals(1, problems.size(), problems.toString());
        assertTrue(problems.get(0).startsWith("api/src/main/java/Api.java:5: snippet 'api-example' differs"));
    }

    @Test
    void updateCopiesEveryRegionIntoItsBlocksKeepingImports(@TempDir Path root) throws IOException {
        repository(
                root,
                List.of(
                        "# Title",
                        "<!-- snippet: greet -->",
                        "```java",
                        "import java.util.List;",
                        "",
                        "old();",
                        "older();",
                        "```",
                        "after"));
        write(
                root.resolve("api/src/main/java/Api.java"),
                List.of(
                        "/**",
                        "   * <!-- snippet: api-example -->",
                        "   * <pre>{@code",
                        "   * old();",
                        "   * }</pre>",
                        " */"));
        appendRegion(root, "api-example", "if (ok) {", "", "    run();", "}");

        DocSnippets.scan(root).update();

        assertEquals(List.of(), DocSnippets.scan(root).check());
        assertEquals(
                List.of(
                        "# Title",
                        "<!-- snippet: greet -->",
                        "```java",
                        "import java.util.List;",
                        "",
                        "hello();",
                        "```",
                        "after"),
                Files.readAllLines(root.resolve("README.md")));
        assertEquals(
                List.of(
                        "/**",
                        "   * <!-- snippet: api-example -->",
                        "   * <pre>{@code",
                        "   * if (ok) {",
                        "   *",
                        "   *     run();",
                        "   * }",
                        "   * }</pre>",
                        " */"),
                Files.readAllLines(root.resolve("api/src/main/java/Api.java")));
    }

    /** A repository with a parent POM, {@code readme} as README.md and a region 'greet' showing {@code hello();}. */
    private static void repository(Path root, List<String> readme) throws IOException {
        write(root.resolve("pom.xml"), List.of("<project><artifactId>txlease-parent</artifactId></project>"));
        write(root.resolve("README.md"), readme);
        write(
                root.resolve("src/test/java/Greeting.java"),
                List.of(
                        "import java.util.List;",
                        "class Greeting {",
                        "    void greet() {",
                        "        " + TAG + "greet[]",
                        "        hello();",
                        "        " + END + "greet[]",
                        "    }",
                        "}"));
        write(root.resolve("target/Ignored.java"), List.of(TAG + "ignored[]", END + "ignored[]"));
        assertEquals(root.toAbsolutePath(), DocSnippets.repositoryRoot(root.resolve("src")));
    }

    private static void appendRegion(Path root, String name, String... lines) throws IOException {
        Path file = root.resolve("src/test/java/More" + Math.abs(name.hashCode()) + ".java");
        List<String> content = new java.util.ArrayList<>();
        content.add("class More {");
        content.add("  " + TAG + name + "[]");
        for (String line : lines) {
            content.add(line.isEmpty() ? "" : "  " + line);
        }
        content.add("  " + END + name + "[]");
        content.add("}");
        write(file, content);
    }

    private static void write(Path file, List<String> lines) throws IOException {
        Files.createDirectories(file.getParent());
        Files.write(file, lines, StandardCharsets.UTF_8);
    }
}
