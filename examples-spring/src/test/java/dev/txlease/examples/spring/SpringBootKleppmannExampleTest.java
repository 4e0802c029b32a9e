package dev.txlease.examples.spring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Runs the Boot example and checks its outcome. */
class SpringBootKleppmannExampleTest {

    @Test
    void staleWorkersWriteIsRejectedInTheBootApplication() throws Exception {
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        SpringBootKleppmannExample.Outcome outcome =
                SpringBootKleppmannExample.run(new String[0], new PrintStream(printed, true, StandardCharsets.UTF_8));
        String story = printed.toString(StandardCharsets.UTF_8);
        assertTrue(outcome.staleWriteRejected(), story);
        assertEquals(150, outcome.balance(), story);
        assertTrue(story.contains("SAFE: the database refused"), story);
    }
}
