package dev.txlease.examples.docs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

/**
 * The txlease BOM (README, "In your build") pins what the build is tested with: its version
 * properties equal the parent POM's, and it lists every published txlease module. The BOM has no
 * parent (see bom/pom.xml), so nothing else keeps the two in step.
 */
class BomTest {
    /** Reactor modules that are not published as libraries; everything else belongs in the BOM. */
    private static final Set<String> NOT_PUBLISHED =
            Set.of("txlease-examples", "txlease-examples-spring", "txlease-bench", "txlease-bom");

    private final Path root = DocSnippets.repositoryRoot(Path.of(""));

    @Test
    void bomVersionsAreTheVersionsTheBuildIsTestedWith() throws Exception {
        Element parent = parse(root.resolve("pom.xml"));
        Element bom = parse(root.resolve("bom/pom.xml"));

        assertEquals(child(parent, "version"), child(bom, "version"), "bom/pom.xml <version>");
        assertEquals(child(parent, "groupId"), child(bom, "groupId"), "bom/pom.xml <groupId>");
        Map<String, String> parentProperties = properties(parent);
        Map<String, String> bomProperties = properties(bom);
        assertTrue(bomProperties.containsKey("awssdk.version"), "the BOM imports the AWS SDK BOM");
        for (Map.Entry<String, String> property : bomProperties.entrySet()) {
            assertEquals(
                    parentProperties.get(property.getKey()),
                    property.getValue(),
                    "bom/pom.xml property " + property.getKey() + " must equal the parent pom.xml's (the build tests"
                            + " that version); change both");
        }
    }

    @Test
    void bomListsEveryPublishedModule() throws Exception {
        Set<String> published = new TreeSet<>();
        for (String module : texts(parse(root.resolve("pom.xml")), "modules", "module")) {
            Element pom = parse(root.resolve(module).resolve("pom.xml"));
            String artifactId = child(pom, "artifactId");
            if (!NOT_PUBLISHED.contains(artifactId)) {
                published.add(artifactId);
            }
        }
        Set<String> inBom = new TreeSet<>();
        Element management = (Element) parse(root.resolve("bom/pom.xml"))
                .getElementsByTagName("dependencyManagement")
                .item(0);
        NodeList dependencies = management.getElementsByTagName("dependency");
        for (int i = 0; i < dependencies.getLength(); i++) {
            Element dependency = (Element) dependencies.item(i);
            if ("dev.txlease".equals(child(dependency, "groupId"))) {
                inBom.add(child(dependency, "artifactId"));
                assertEquals("${project.version}", child(dependency, "version"), child(dependency, "artifactId"));
            }
        }
        assertEquals(
                published,
                inBom,
                "bom/pom.xml must pin every published module (add a new module there, or to NOT_PUBLISHED in"
                        + " BomTest if it is not a library)");
        assertTrue(Files.isRegularFile(root.resolve("bom/pom.xml")));
    }

    private static Element parse(Path pom) throws Exception {
        DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
        factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
        Document document = factory.newDocumentBuilder().parse(pom.toFile());
        return document.getDocumentElement();
    }

    /** The text of {@code element}'s direct child {@code name}, or null. */
    private static String child(Element element, String name) {
        for (Node node = element.getFirstChild(); node != null; node = node.getNextSibling()) {
            if (node instanceof Element child && child.getTagName().equals(name)) {
                return child.getTextContent().strip();
            }
        }
        return null;
    }

    private static List<String> texts(Element project, String container, String name) {
        List<String> texts = new ArrayList<>();
        for (Node node = project.getFirstChild(); node != null; node = node.getNextSibling()) {
            if (node instanceof Element element && element.getTagName().equals(container)) {
                NodeList children = element.getElementsByTagName(name);
                for (int i = 0; i < children.getLength(); i++) {
                    texts.add(children.item(i).getTextContent().strip());
                }
            }
        }
        return texts;
    }

    private static Map<String, String> properties(Element project) {
        Map<String, String> properties = new TreeMap<>();
        for (Node node = project.getFirstChild(); node != null; node = node.getNextSibling()) {
            if (node instanceof Element element && element.getTagName().equals("properties")) {
                for (Node property = element.getFirstChild(); property != null; property = property.getNextSibling()) {
                    if (property instanceof Element value) {
                        properties.put(
                                value.getTagName(), value.getTextContent().strip());
                    }
                }
            }
        }
        return properties;
    }
}
