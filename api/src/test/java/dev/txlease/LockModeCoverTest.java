package dev.txlease;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class LockModeCoverTest {
    @Test
    void coversFollowsWhatEachModeExcludes() {
        for (LockMode mode : LockMode.values()) {
            assertTrue(mode.covers(mode), mode + " covers itself");
            assertTrue(LockMode.EX.covers(mode), "EX covers " + mode);
            assertTrue(mode.covers(LockMode.NL), mode + " covers NL");
        }
        assertTrue(LockMode.PW.covers(LockMode.PR));
        assertTrue(LockMode.PW.covers(LockMode.CW));
        assertTrue(LockMode.PR.covers(LockMode.CR));
        assertFalse(LockMode.PR.covers(LockMode.CW));
        assertFalse(LockMode.CW.covers(LockMode.PR));
        assertFalse(LockMode.PW.covers(LockMode.EX));
    }

    @Test
    void joinIsTheLeastModeCoveringBoth() {
        assertEquals(LockMode.PW, LockMode.PR.join(LockMode.CW));
        assertEquals(LockMode.PR, LockMode.CR.join(LockMode.PR));
        assertEquals(LockMode.EX, LockMode.PW.join(LockMode.EX));
        assertEquals(LockMode.CR, LockMode.NL.join(LockMode.CR));
    }
}
