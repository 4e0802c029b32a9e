package dev.txlease.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Runs each example's main entry on the embedded defaults and checks its outcome. */
class ExamplesTest {

    @Test
    void kleppmannScenarioRejectsTheStaleWrite() throws Exception {
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        KleppmannExample.Outcome outcome =
                KleppmannExample.run(new String[0], new PrintStream(printed, true, StandardCharsets.UTF_8));
        String story = printed.toString(StandardCharsets.UTF_8);
        assertTrue(outcome.staleWriteRejected(), story);
        assertEquals(150, outcome.finalBalance(), story);
        assertEquals(outcome.fenceA() + 1, outcome.fenceB(), story);
        assertTrue(outcome.rejection().contains("account-42"), outcome.rejection());
        assertTrue(story.contains("SAFE: the database refused the write"), story);
        assertTrue(outcome.isSafe());
    }

    @Test
    void jobQueueProcessesEveryJobExactlyOnce() throws Exception {
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        JobQueueExample.Outcome outcome =
                JobQueueExample.run(new String[0], new PrintStream(printed, true, StandardCharsets.UTF_8));
        String report = printed.toString(StandardCharsets.UTF_8);
        assertEquals(JobQueueExample.JOBS, outcome.doneJobs(), report);
        assertEquals(JobQueueExample.JOBS, outcome.logRows(), report);
        assertEquals(JobQueueExample.JOBS, outcome.distinctLoggedJobs(), report);
        assertEquals(
                JobQueueExample.JOBS,
                outcome.perWorker().values().stream()
                        .mapToInt(Integer::intValue)
                        .sum());
        assertTrue(outcome.isSafe());
    }
}
