package dev.txlease.micrometer;

import dev.txlease.jdbc.testing.Databases;
import javax.sql.DataSource;

/** {@link FencedDataSourceMetricsContract} on H2. */
class H2FencedDataSourceMetricsTest extends FencedDataSourceMetricsContract {
    @Override
    DataSource rawDataSource() {
        return Databases.h2("micrometer-metrics");
    }

    @Override
    String shortLockTimeoutSql() {
        return "SET LOCK_TIMEOUT 100";
    }
}
