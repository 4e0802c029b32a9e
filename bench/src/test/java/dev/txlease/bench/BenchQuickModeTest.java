package dev.txlease.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Runs the whole benchmark in quick mode (seconds) to prove the harness works: all five measures for
 * both libraries, the result files under {@code target/}, and txlease's request counts. Timings are
 * not asserted: they mean nothing on a busy build machine.
 */
class BenchQuickModeTest {

    @Test
    void quickRunWritesAllFiveMeasuresAndTxleaseSendsOneRequestPerOperation() throws IOException {
        Report report = BenchMain.run(BenchMode.QUICK, "mvn -B verify (BenchQuickModeTest)", BenchMain.ALL_MEASURES);
        Path directory = BenchMain.outputDirectory(BenchMode.QUICK);
        assertTrue(directory.normalize().toString().contains("target"), "quick mode must write under target/");
        report.write(directory);

        String markdown = Files.readString(directory.resolve("latest.md"));
        String json = Files.readString(directory.resolve("latest.json"));
        for (String heading : List.of("## 1. ", "## 2. ", "## 3. ", "## 4. ", "## 5. ")) {
            assertTrue(markdown.contains(heading), () -> "latest.md lacks the section " + heading);
        }
        for (String key : List.of("requestsPerOperation", "uncontended", "handover", "heartbeat", "transaction")) {
            assertTrue(json.contains("\"" + key + "\": {"), () -> "latest.json lacks the measure " + key);
        }
        assertTrue(markdown.contains("| cores | "), "the machine's core count is recorded");
        assertTrue(markdown.contains("| JDK | "), "the JDK is recorded");

        List<Section> sections = report.sections();
        assertEquals(5, sections.size());
        sections.forEach(section -> assertTrue(section.measured(), () -> section.title() + " was not measured"));

        Section requests = sections.get(0);
        assertOneRequestEach(requests, RequestsPerOperation.FREE_ACQUIRE);
        assertOneRequestEach(requests, RequestsPerOperation.RELEASE);
        assertOneRequestEach(requests, RequestsPerOperation.RENEW);
    }

    private static void assertOneRequestEach(Section requests, String operation) {
        Map<?, ?> counts = (Map<?, ?>) requests.value(operation);
        List<?> txlease = (List<?>) counts.get("txlease");
        assertTrue(!txlease.isEmpty(), () -> "no samples of " + operation);
        txlease.forEach(sample -> assertEquals(1L, sample, () -> "txlease " + operation + ": " + txlease));
    }
}
