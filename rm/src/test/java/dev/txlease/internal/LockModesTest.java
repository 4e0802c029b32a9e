package dev.txlease.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.txlease.LockMode;
import org.junit.jupiter.api.Test;

class LockModesTest {
    @Test
    void coversFollowsWhatEachModeExcludes() {
        for (LockMode mode : LockMode.values()) {
            assertTrue(LockModes.covers(mode, mode), mode + " covers itself");
            assertTrue(LockModes.covers(LockMode.EX, mode), "EX covers " + mode);
            assertTrue(LockModes.covers(mode, LockMode.NL), mode + " covers NL");
        }
        assertTrue(LockModes.covers(LockMode.PW, LockMode.PR));
        assertTrue(LockModes.covers(LockMode.PW, LockMode.CW));
        assertTrue(LockModes.covers(LockMode.PR, LockMode.CR));
        assertFalse(LockModes.covers(LockMode.PR, LockMode.CW));
        assertFalse(LockModes.covers(LockMode.CW, LockMode.PR));
        assertFalse(LockModes.covers(LockMode.PW, LockMode.EX));
    }

    @Test
    void joinIsTheLeastModeCoveringBoth() {
        assertEquals(LockMode.PW, LockModes.join(LockMode.PR, LockMode.CW));
        assertEquals(LockMode.PR, LockModes.join(LockMode.CR, LockMode.PR));
        assertEquals(LockMode.EX, LockModes.join(LockMode.PW, LockMode.EX));
        assertEquals(LockMode.CR, LockModes.join(LockMode.NL, LockMode.CR));
    }
}
