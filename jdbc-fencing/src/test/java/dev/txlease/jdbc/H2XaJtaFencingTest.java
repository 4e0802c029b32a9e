package dev.txlease.jdbc;

import dev.txlease.jdbc.testing.Databases;
import dev.txlease.jdbc.testing.Jta;
import io.agroal.api.AgroalDataSource;
import java.sql.SQLException;
import javax.sql.DataSource;
import org.h2.jdbcx.JdbcDataSource;

/** Fencing under JTA with H2's XA data source behind an Agroal pool. */
class H2XaJtaFencingTest extends JtaFencingContract {

    @Override
    DataSource rawDataSource() {
        return Databases.h2("jta-fenced");
    }

    @Override
    AgroalDataSource xaPool() throws SQLException {
        return Jta.xaPool(JdbcDataSource.class, Databases.h2("jta-fenced").getURL(), "sa");
    }
}
