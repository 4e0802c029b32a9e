package dev.txlease.reliability;

import dev.txlease.jdbc.testing.Databases;
import java.sql.Connection;

/** Scenario 3 on H2 in memory, at its default isolation (READ COMMITTED). */
class H2ContendedCounterTest extends ContendedCounterContract {
    H2ContendedCounterTest() {
        super(
                () -> Databases.h2("reliability-contended"),
                Connection.TRANSACTION_NONE,
                "rel_contended", /* snapshotConflicts */
                false);
    }
}
