package dev.txlease.jdbc.testing;

import com.arjuna.ats.arjuna.common.CoreEnvironmentBeanException;
import com.arjuna.ats.arjuna.common.ObjectStoreEnvironmentBean;
import com.arjuna.ats.arjuna.common.arjPropertyManager;
import com.arjuna.ats.internal.jta.transaction.arjunacore.TransactionSynchronizationRegistryImple;
import com.arjuna.common.internal.util.propertyservice.BeanPopulator;
import io.agroal.api.AgroalDataSource;
import io.agroal.api.configuration.supplier.AgroalDataSourceConfigurationSupplier;
import io.agroal.api.security.NamePrincipal;
import io.agroal.narayana.NarayanaTransactionIntegration;
import jakarta.transaction.TransactionManager;
import jakarta.transaction.TransactionSynchronizationRegistry;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import javax.sql.XADataSource;

/**
 * Standalone Narayana in this JVM, and Agroal pools integrated with it, for the JTA tests.
 *
 * <p>Narayana is configured once per JVM: object store under {@code target/narayana-fencing-<pid>},
 * no default transaction timeout (a stalled holder's short lease must be allowed to run out inside a
 * transaction), no recovery (these tests do not crash). Thread-safe.
 */
public final class Jta {
    private static boolean configured;

    private Jta() {}

    private static synchronized void configure() {
        if (configured) {
            return;
        }
        String directory = Path.of(
                        "target", "narayana-fencing-" + ProcessHandle.current().pid())
                .toAbsolutePath()
                .toString();
        BeanPopulator.getDefaultInstance(ObjectStoreEnvironmentBean.class).setObjectStoreDir(directory);
        BeanPopulator.getNamedInstance(ObjectStoreEnvironmentBean.class, "communicationStore")
                .setObjectStoreDir(directory);
        BeanPopulator.getNamedInstance(ObjectStoreEnvironmentBean.class, "stateStore")
                .setObjectStoreDir(directory);
        try {
            arjPropertyManager.getCoreEnvironmentBean().setNodeIdentifier("txlease-fencing-test");
        } catch (CoreEnvironmentBeanException e) {
            throw new IllegalStateException(e);
        }
        arjPropertyManager.getCoordinatorEnvironmentBean().setDefaultTimeout(0);
        configured = true;
    }

    /** Returns Narayana's transaction manager. */
    public static TransactionManager transactionManager() {
        configure();
        return com.arjuna.ats.jta.TransactionManager.transactionManager();
    }

    /** Returns Narayana's transaction synchronization registry. */
    public static TransactionSynchronizationRegistry registry() {
        configure();
        return new TransactionSynchronizationRegistryImple();
    }

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
        TransactionManager transactionManager = transactionManager();
        TransactionSynchronizationRegistry registry = registry();
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
