package dev.txlease.examples.spring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.txlease.testing.PrintedRun;
import org.junit.jupiter.api.Test;

/** Runs the Boot example and checks its outcome. */
class SpringBootKleppmannExampleTest {

    @Test
    void staleWorkersWriteIsRejectedInTheBootApplication() throws Exception {
        PrintedRun<SpringBootKleppmannExample.Outcome> run = PrintedRun.of(SpringBootKleppmannExample::run);
        String story = run.printed();
        assertTrue(run.outcome().staleWriteRejected(), story);
        assertEquals(150, run.outcome().balance(), story);
        assertTrue(story.contains("SAFE: the database refused"), story);
    }
}
