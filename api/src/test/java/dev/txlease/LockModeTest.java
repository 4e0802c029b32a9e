package dev.txlease;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

class LockModeTest {

    /** The table, held (rows) x requested (columns), written out independently of the code. */
    private static final List<String> TABLE = List.of(
            "NL yes yes yes yes yes yes",
            "CR yes yes yes yes yes no",
            "CW yes yes yes no no no",
            "PR yes yes no yes no no",
            "PW yes yes no no no no",
            "EX yes no no no no no");

    private static final List<LockMode> COLUMNS =
            List.of(LockMode.NL, LockMode.CR, LockMode.CW, LockMode.PR, LockMode.PW, LockMode.EX);

    @Test
    void allThirtySixPairsFollowTheClassicMatrix() {
        int checked = 0;
        for (String row : TABLE) {
            String[] cells = row.split(" ");
            LockMode held = LockMode.valueOf(cells[0]);
            for (int column = 0; column < COLUMNS.size(); column++) {
                LockMode requested = COLUMNS.get(column);
                boolean expected = cells[column + 1].equals("yes");
                assertEquals(expected, held.isCompatibleWith(requested), held + " held, " + requested + " requested");
                assertEquals(expected, requested.isCompatibleWith(held), "symmetric: " + requested + " / " + held);
                checked++;
            }
        }
        assertEquals(36, checked);
    }

    @Test
    void optionsDefaultToExclusiveAndCopyTheMode() {
        assertEquals(LockMode.EX, AcquireOptions.defaults().mode());
        AcquireOptions shared = AcquireOptions.builder().mode(LockMode.PR).build();
        assertEquals(LockMode.PR, shared.mode());
        assertEquals(LockMode.PR, shared.toBuilder().build().mode());
        NullPointerException missing = assertThrows(
                NullPointerException.class, () -> AcquireOptions.builder().mode(null));
        assertEquals("mode must not be null", missing.getMessage());
    }
}
