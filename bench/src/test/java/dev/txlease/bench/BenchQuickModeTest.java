package dev.txlease.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.txlease.LockMode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Runs the whole benchmark in quick mode (seconds) to prove the harness works: all six measures, the
 * result files under {@code target/}, and txlease's request counts, in EX (measure 1) and in every
 * lock mode (measure 6). Timings are not asserted: they mean nothing on a busy build machine.
 */
class BenchQuickModeTest {

    @Test
    void quickRunWritesAllSixMeasuresAndTxleaseSendsOneRequestPerOperationInEveryMode() throws IOException {
        Report report = BenchMain.run(BenchMode.QUICK, "mvn -B verify (BenchQuickModeTest)", BenchMain.ALL_MEASURES);
        Path directory = BenchMain.outputDirectory(BenchMode.QUICK);
        assertTrue(directory.normalize().toString().contains("target"), "quick mode must write under target/");
        report.write(directory);

        String markdown = Files.readString(directory.resolve("latest.md"));
        String json = Files.readString(directory.resolve("latest.json"));
        for (String heading : List.of("## 1. ", "## 2. ", "## 3. ", "## 4. ", "## 5. ", "## 6. ")) {
            assertTrue(markdown.contains(heading), () -> "latest.md lacks the section " + heading);
        }
        for (String key : List.of(
                "requestsPerOperation", "uncontended", "handover", "heartbeat", "transaction", "requestsPerMode")) {
            assertTrue(json.contains("\"" + key + "\": {"), () -> "latest.json lacks the measure " + key);
        }
        assertTrue(markdown.contains("| cores | "), "the machine's core count is recorded");
        assertTrue(markdown.contains("| JDK | "), "the JDK is recorded");

        List<Section> sections = report.sections();
        assertEquals(
                6,
                sections.size(),
                () -> "measures: " + sections.stream().map(Section::title).toList());
        sections.forEach(section -> assertTrue(section.measured(), () -> section.title() + " was not measured"));

        Section requests = sections.get(0);
        assertOneRequestEach(requests, RequestsPerOperation.FREE_ACQUIRE);
        assertOneRequestEach(requests, RequestsPerOperation.RELEASE);
        assertOneRequestEach(requests, RequestsPerOperation.RENEW);

        Section modes = sections.get(5);
        assertEquals("requestsPerMode", modes.key());
        for (LockMode mode : LockMode.values()) {
            Map<?, ?> counts = (Map<?, ?>) modes.value(mode.name());
            assertTrue(counts != null, () -> "measure 6 lacks the mode " + mode);
            for (String operation :
                    List.of("acquire, lock free", "renew", "release", "acquire beside a compatible holder")) {
                assertSamples(1L, mode + " " + operation, (List<?>) counts.get(operation));
            }
        }
    }

    private static void assertSamples(long expected, String what, List<?> samples) {
        assertTrue(samples != null && !samples.isEmpty(), () -> "no samples of " + what);
        samples.forEach(sample -> assertEquals(expected, sample, () -> "txlease " + what + ": " + samples));
    }

    private static void assertOneRequestEach(Section requests, String operation) {
        Map<?, ?> counts = (Map<?, ?>) requests.value(operation);
        List<?> txlease = (List<?>) counts.get("txlease");
        assertTrue(!txlease.isEmpty(), () -> "no samples of " + operation);
        txlease.forEach(sample -> assertEquals(1L, sample, () -> "txlease " + operation + ": " + txlease));
    }
}
