package dev.txlease.spring;

import dev.txlease.jdbc.testing.Databases;
import javax.sql.DataSource;

/** Spring-bound leases on H2 in memory. */
class H2SpringTransactionLeaseTest extends SpringTransactionLeaseContract {
    @Override
    DataSource database() {
        return Databases.h2("spring_transactions");
    }
}
