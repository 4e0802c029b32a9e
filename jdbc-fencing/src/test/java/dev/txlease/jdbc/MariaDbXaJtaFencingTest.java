package dev.txlease.jdbc;

import dev.txlease.jdbc.testing.Databases;
import dev.txlease.jdbc.testing.Jta;
import dev.txlease.jdbc.testing.MariaDbXaShim;
import io.agroal.api.AgroalDataSource;
import java.sql.SQLException;
import javax.sql.DataSource;

/** Fencing under JTA with MariaDB's XA data source behind an Agroal pool. */
class MariaDbXaJtaFencingTest extends JtaFencingContract {

    @Override
    DataSource rawDataSource() {
        return Databases.mariadb();
    }

    @Override
    AgroalDataSource xaPool() throws SQLException {
        // The shim works around an Agroal + mariadb-java-client 3.5 connection life-cycle bug; see its Javadoc.
        return Jta.xaPool(MariaDbXaShim.class, Databases.mariadb().getUrl(), null);
    }
}
