package dev.txlease.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.txlease.testing.Await;
import dev.txlease.testing.PrintedRun;
import jakarta.transaction.Status;
import jakarta.transaction.SystemException;
import jakarta.transaction.TransactionManager;
import org.junit.jupiter.api.Test;

/** Runs each example's main entry on the embedded defaults and checks its outcome. */
class ExamplesTest {

    @Test
    void kleppmannScenarioRejectsTheStaleWrite() throws Exception {
        assertStaleWriteRejected(PrintedRun.of(KleppmannExample::run));
    }

    /**
     * The flaky failure under load, made deterministic: when A wakes, a busy machine may run A's
     * other threads before A's own, its heartbeat (which then finds the lease taken over) and the
     * listener that marks A's transaction rollback-only. Here they run as far as they can before
     * A writes; the stale write must still reach the database and be rejected there.
     */
    @Test
    void kleppmannScenarioRejectsTheStaleWriteWhenAsOtherThreadsRunFirst() throws Exception {
        assertStaleWriteRejected(PrintedRun.of((args, out) -> KleppmannExample.run(
                args,
                out,
                (processOfA, tm) -> Await.until(
                        "A's transaction is no longer active, or A's heartbeat waits at the frozen store",
                        () -> isNoLongerActive(tm) || (processOfA.isFrozen() && processOfA.parkedCalls() > 0)))));
    }

    private static boolean isNoLongerActive(TransactionManager tm) {
        try {
            return tm.getStatus() != Status.STATUS_ACTIVE;
        } catch (SystemException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void assertStaleWriteRejected(PrintedRun<KleppmannExample.Outcome> run) {
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
