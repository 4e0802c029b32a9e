package dev.txlease.spring;

import dev.txlease.jdbc.testing.Databases;
import javax.sql.DataSource;

/** Spring-bound leases on the machine's PostgreSQL (read committed). */
class PostgresSpringTransactionLeaseTest extends SpringTransactionLeaseContract {
    @Override
    DataSource database() {
        return Databases.postgres();
    }
}
