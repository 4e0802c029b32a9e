package dev.txlease.jdbc.testing;

import dev.txlease.testing.InProcessNarayana;
import io.agroal.api.AgroalDataSource;
import io.agroal.api.configuration.supplier.AgroalDataSourceConfigurationSupplier;
import io.agroal.api.security.NamePrincipal;
import io.agroal.narayana.NarayanaTransactionIntegration;
import jakarta.transaction.TransactionManager;
import jakarta.transaction.TransactionSynchronizationRegistry;
import java.sql.SQLException;
import java.time.Duration;
import javax.sql.XADataSource;

/**
 * Agroal pools integrated with the in-process Narayana of the rm test kit ({@link
 * InProcessNarayana}), for the JTA tests. Thread-safe.
 */
public final class Jta {
    private Jta() {}

    /**
     * Returns an Agroal pool over an XA data source class, whose connections Narayana enlists in the
     * calling thread's transaction.
     *
     * @param xaDataSource the driver's XA data source class
     * @param url the JDBC URL
     * @param user the user, or {@code null} if the URL carries it
     * @return the pool; close it when done
     * @throws SQLException if the pool cannot start
     */
    public static AgroalDataSource xaPool(Class<? extends XADataSource> xaDataSource, String url, String user)
            throws SQLException {
        TransactionManager transactionManager = InProcessNarayana.transactionManager();
        TransactionSynchronizationRegistry registry = InProcessNarayana.registry();
        return AgroalDataSource.from(
                new AgroalDataSourceConfigurationSupplier().connectionPoolConfiguration(pool -> pool.initialSize(0)
                        .maxSize(8)
                        .acquisitionTimeout(Duration.ofSeconds(20))
                        .transactionIntegration(new NarayanaTransactionIntegration(transactionManager, registry))
                        .connectionFactoryConfiguration(factory -> {
                            factory.connectionProviderClass(xaDataSource).jdbcUrl(url);
                            return user == null ? factory : factory.principal(new NamePrincipal(user));
                        })));
    }
}
