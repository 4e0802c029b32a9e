package dev.txlease.spring.boot;

import dev.txlease.jdbc.FencedDataSource;
import dev.txlease.spring.SpringTransactionLeases;
import jakarta.transaction.TransactionSynchronizationRegistry;
import java.sql.SQLException;
import java.util.Objects;
import javax.sql.DataSource;
import org.springframework.beans.factory.BeanCreationException;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.BeanFactoryAware;
import org.springframework.beans.factory.config.BeanPostProcessor;

/**
 * Wraps every {@link DataSource} bean in a {@link FencedDataSource}: under a JTA transaction
 * manager (a {@link TransactionSynchronizationRegistry} bean) the leases of the JTA transaction
 * guard its statements, otherwise those of the Spring-managed transaction. Optionally creates the
 * guard table on the wrapped data source. With fenced reads on, leases in read modes (CR, PR) guard
 * queries too.
 *
 * <p>Beans keep their names but become {@code FencedDataSource}s: inject them as {@code DataSource}
 * ({@code unwrap} reaches the pool).
 *
 * <p>Thread-safe after start-up.
 */
public class FencingDataSourcePostProcessor implements BeanPostProcessor, BeanFactoryAware {
    private final String guardTable;
    private final boolean createGuardTable;
    private final boolean fencedReads;
    private BeanFactory beanFactory;

    /**
     * Creates the post-processor from the {@code txlease.fencing.*} properties (copied: later changes
     * to {@code fencing} do not reach it).
     *
     * @param fencing the guard table, whether to create it at start-up, and whether read-mode leases
     *     guard queries ({@link FencedDataSource.Builder#fencedReads})
     */
    public FencingDataSourcePostProcessor(TxleaseProperties.Fencing fencing) {
        Objects.requireNonNull(fencing, "fencing must not be null");
        this.guardTable = Objects.requireNonNull(fencing.getGuardTable(), "fencing.guardTable must not be null");
        this.createGuardTable = fencing.isCreateGuardTable();
        this.fencedReads = fencing.isFencedReads();
    }

    @Override
    public void setBeanFactory(BeanFactory beanFactory) {
        this.beanFactory = beanFactory;
    }

    @Override
    public Object postProcessAfterInitialization(Object bean, String beanName) {
        if (!(bean instanceof DataSource) || bean instanceof FencedDataSource) {
            return bean;
        }
        FencedDataSource.Builder builder = FencedDataSource.builder((DataSource) bean)
                .guardTable(guardTable)
                .fencedReads(fencedReads);
        TransactionSynchronizationRegistry registry = beanFactory == null
                ? null
                : beanFactory
                        .getBeanProvider(TransactionSynchronizationRegistry.class)
                        .getIfUnique();
        if (registry != null) {
            builder.transactionRegistry(registry);
        } else {
            builder.transactionLeases(SpringTransactionLeases.leaseSource());
        }
        FencedDataSource fenced = builder.build();
        if (createGuardTable) {
            try {
                fenced.createGuardTable();
            } catch (SQLException e) {
                throw new BeanCreationException(
                        beanName,
                        "Could not create the txlease guard table '" + guardTable
                                + "' (txlease.fencing.create-guard-table);"
                                + " create it with a migration (GuardDialect.createTableSql) or check the database",
                        e);
            }
        }
        return fenced;
    }
}
