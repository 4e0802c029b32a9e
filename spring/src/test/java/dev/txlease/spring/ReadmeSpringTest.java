package dev.txlease.spring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.txlease.Lease;
import dev.txlease.LeaseClient;
import dev.txlease.LeaseState;
import dev.txlease.client.DefaultLeaseClient;
import dev.txlease.jdbc.FencedDataSource;
import dev.txlease.jdbc.LeaseBinding;
import dev.txlease.jdbc.testing.Databases;
import dev.txlease.spi.LeaseStore;
import dev.txlease.spring.integration.TxleaseLock;
import dev.txlease.spring.integration.TxleaseLockRegistry;
import dev.txlease.spring.shedlock.TxleaseLockProvider;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import javax.sql.DataSource;
import net.javacrumbs.shedlock.core.DefaultLockingTaskExecutor;
import net.javacrumbs.shedlock.core.LockConfiguration;
import net.javacrumbs.shedlock.core.LockProvider;
import net.javacrumbs.shedlock.core.SimpleLock;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.context.annotation.AnnotationConfigApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Primary;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.annotation.EnableTransactionManagement;
import org.springframework.transaction.annotation.Transactional;

/** The README's "With Spring" code, run on DynamoDB Local and H2. */
class ReadmeSpringTest {
    private static final DataSource POOL = Databases.h2("readme_spring");

    // tag::spring-wiring[]
    @Configuration
    @EnableTransactionManagement
    static class LeaseConfiguration {
        @Bean(destroyMethod = "close")
        DefaultLeaseClient defaultLeaseClient(LeaseStore store) {
            return DefaultLeaseClient.builder(store).build();
        }

        @Bean(destroyMethod = "") // closing it would close defaultLeaseClient twice
        @Primary // the LeaseClient that @Leased and the application use
        SpringTransactionalLeaseClient leaseClient(DefaultLeaseClient client) {
            return new SpringTransactionalLeaseClient(client);
        }

        @Bean
        FencedDataSource dataSource(@Qualifier("pool") DataSource pool) throws SQLException {
            FencedDataSource fenced = FencedDataSource.builder(pool)
                    .transactionLeases(SpringTransactionLeases.leaseSource())
                    .build();
            fenced.createGuardTable(); // or a migration: GuardDialect.createTableSql
            return fenced;
        }

        @Bean
        DataSourceTransactionManager transactionManager(FencedDataSource dataSource) {
            return new DataSourceTransactionManager(dataSource);
        }

        @Bean
        static LeasedAnnotationBeanPostProcessor leasedAnnotationBeanPostProcessor() {
            return new LeasedAnnotationBeanPostProcessor();
        }
    }
    // end::spring-wiring[]

    // tag::spring-leased[]
    public static class AccountService {
        private final JdbcTemplate jdbc;

        public AccountService(FencedDataSource dataSource) {
            this.jdbc = new JdbcTemplate(dataSource);
        }

        @Leased("'account-' + #accountId")
        @Transactional
        public long credit(long accountId, int amount, Lease lease) {
            // The lease joined this transaction: the update is fenced with its token, and the lease
            // is released after the commit (or rollback), never before.
            jdbc.update("UPDATE account SET balance = balance + ? WHERE id = ?", amount, accountId);
            return lease.fenceToken().value();
        }
    }
    // end::spring-leased[]

    @Test
    void wiringAndLeasedServiceFenceTheWriteAndReleaseAfterCommit() {
        JdbcTemplate raw = new JdbcTemplate(POOL);
        raw.execute("DROP TABLE IF EXISTS account");
        raw.execute("CREATE TABLE account (id BIGINT PRIMARY KEY, balance INT)");
        raw.update("INSERT INTO account VALUES (42, 0)");
        LeaseStore store = SpringTestKit.dynamo().newStore();
        try (AnnotationConfigApplicationContext context = new AnnotationConfigApplicationContext()) {
            context.registerBean("pool", DataSource.class, () -> POOL);
            context.registerBean(LeaseStore.class, () -> store);
            context.register(LeaseConfiguration.class, AccountService.class);
            context.refresh();
            long token = context.getBean(AccountService.class).credit(42, 100, null);
            assertEquals(100, raw.queryForObject("SELECT balance FROM account WHERE id = 42", Integer.class));
            assertEquals(
                    token, raw.queryForObject("SELECT token FROM txlease_fence WHERE name = 'account-42'", Long.class));
            LeaseClient leases = context.getBean(LeaseClient.class);
            assertTrue(leases.inspect("account-42").orElseThrow().isReleased());
        }
    }

    @Test
    void shedLockAndSpringIntegrationSnippets() throws Throwable {
        LeaseStore store = SpringTestKit.dynamo().newStore();
        try (DefaultLeaseClient leaseClient = DefaultLeaseClient.builder(store).build()) {
            // tag::spring-shedlock[]
            TxleaseLockProvider provider = new TxleaseLockProvider(leaseClient); // declare it as the LockProvider bean
            DefaultLockingTaskExecutor executor = new DefaultLockingTaskExecutor(provider);
            executor.executeWithLock(
                    (Runnable) () -> {
                        Lease lease = provider.currentLease("nightly-report").orElseThrow();
                        // Every transaction of this task through a FencedDataSource checks lease.fenceToken().
                        assertEquals(LeaseState.HELD, lease.state());
                    },
                    new LockConfiguration(Instant.now(), "nightly-report", Duration.ofMinutes(5), Duration.ZERO));
            // end::spring-shedlock[]
            LockProvider asLockProvider = provider;
            SimpleLock again = asLockProvider
                    .lock(new LockConfiguration(Instant.now(), "nightly-report", Duration.ofMinutes(1), Duration.ZERO))
                    .orElseThrow(); // released after the task: free again
            again.unlock(); // also unbinds the lease from this thread
            assertTrue(LeaseBinding.current().isEmpty());
            provider.close();

            // tag::spring-integration[]
            TxleaseLockRegistry registry = new TxleaseLockRegistry(leaseClient, Duration.ofSeconds(30));
            TxleaseLock lock = registry.obtain("orders-aggregator");
            lock.lock();
            try {
                long token = lock.fenceToken().value(); // fence the writes made under the lock
                assertTrue(token > 0);
            } finally {
                lock.unlock();
            }
            // end::spring-integration[]
            registry.close();
        }
    }
}
