package dev.txlease.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.txlease.testing.PrintedRun;
import org.junit.jupiter.api.Test;

/** Runs each example's main entry on the embedded defaults and checks its outcome. */
class ExamplesTest {

    @Test
    void kleppmannScenarioRejectsTheStaleWrite() throws Exception {
        PrintedRun<KleppmannExample.Outcome> run = PrintedRun.of(KleppmannExample::run);
        KleppmannExample.Outcome outcome = run.outcome();
        String story = run.printed();
        assertTrue(outcome.staleWriteRejected(), story);
        assertEquals(150, outcome.finalBalance(), story);
        assertEquals(outcome.fenceA() + 1, outcome.fenceB(), story);
        assertTrue(outcome.rejection().contains("account-42"), outcome.rejection());
        assertTrue(story.contains("SAFE: the database refused the write"), story);
        assertTrue(outcome.isSafe());
    }

    @Test
    void jobQueueProcessesEveryJobExactlyOnce() throws Exception {
        PrintedRun<JobQueueExample.Outcome> run = PrintedRun.of(JobQueueExample::run);
        JobQueueExample.Outcome outcome = run.outcome();
        String report = run.printed();
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
