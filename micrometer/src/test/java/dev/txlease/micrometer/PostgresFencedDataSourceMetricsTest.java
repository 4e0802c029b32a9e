package dev.txlease.micrometer;

import dev.txlease.jdbc.testing.Databases;
import javax.sql.DataSource;

/** {@link FencedDataSourceMetricsContract} on the machine's PostgreSQL. */
class PostgresFencedDataSourceMetricsTest extends FencedDataSourceMetricsContract {
    @Override
    DataSource rawDataSource() {
        return Databases.postgres();
    }

    @Override
    String shortLockTimeoutSql() {
        return "SET lock_timeout = '100ms'";
    }
}
