package dev.txlease.reliability;

import dev.txlease.jdbc.testing.Databases;
import java.sql.Connection;
import javax.sql.DataSource;

/** Scenario 3 on H2 in memory, at its default isolation (READ COMMITTED). */
class H2ContendedCounterTest extends ContendedCounterContract {

    @Override
    DataSource database() {
        return Databases.h2("reliability-contended");
    }

    @Override
    int isolation() {
        return Connection.TRANSACTION_NONE;
    }

    @Override
    String tablePrefix() {
        return "rel_contended";
    }
}
