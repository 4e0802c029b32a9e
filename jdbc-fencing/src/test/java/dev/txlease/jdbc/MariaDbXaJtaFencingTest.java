package dev.txlease.jdbc;

import dev.txlease.jdbc.testing.Databases;
import dev.txlease.jdbc.testing.Jta;
import io.agroal.api.AgroalDataSource;
import java.sql.SQLException;
import javax.sql.DataSource;
import org.mariadb.jdbc.MariaDbDataSource;

/** Fencing under JTA with MariaDB's XA data source behind an Agroal pool. */
class MariaDbXaJtaFencingTest extends JtaFencingContract {

    @Override
    DataSource rawDataSource() {
        return Databases.mariadb();
    }

    @Override
    AgroalDataSource xaPool() throws SQLException {
        return Jta.xaPool(MariaDbDataSource.class, Databases.mariadb().getUrl(), null);
    }
}
