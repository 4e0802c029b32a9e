package dev.txlease.spring;

import dev.txlease.AcquireOptions;
import dev.txlease.client.DefaultLeaseClient;
import dev.txlease.jdbc.FencedDataSource;
import dev.txlease.jdbc.StaleFenceTokenException;
import dev.txlease.spi.LeaseStore;
import dev.txlease.testing.DynamoDbLocal;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.context.annotation.AnnotationConfigApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Primary;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.annotation.EnableTransactionManagement;
import org.springframework.transaction.support.TransactionTemplate;

/** A small Spring application for the tests: a fenced DataSource, its transaction manager, two lease clients. */
final class SpringTestKit {
    static final String ACCOUNT_TABLE = "spring_account";
    static final String GUARD_TABLE = "spring_guard";
    static final AtomicInteger NAMES = new AtomicInteger();

    /** Short leases without heartbeats: they run out unless the holder renews them. */
    static final AcquireOptions NO_HEARTBEATS = AcquireOptions.builder()
            .leaseDuration(Duration.ofMillis(500))
            .heartbeatPeriod(Duration.ZERO)
            .build();

    static final AcquireOptions WAITING = AcquireOptions.builder()
            .leaseDuration(Duration.ofSeconds(5))
            .waitTimeout(Duration.ofSeconds(20))
            .pollInterval(Duration.ofMillis(20))
            .build();

    private static DynamoDbLocal dynamo;

    private SpringTestKit() {}

    /**
     * Returns DynamoDB Local (embedded), started once for all test classes of this module: starting
     * it costs seconds, and each test uses tables of its own ({@link DynamoDbLocal#newStore()}).
     * Surefire's JVM exit stops it.
     */
    static synchronized DynamoDbLocal dynamo() {
        if (dynamo == null) {
            DynamoDbLocal started = DynamoDbLocal.embedded();
            started.start();
            dynamo = started;
        }
        return dynamo;
    }

    /** Starts the application on {@code raw}, with fresh account and guard tables. */
    static AnnotationConfigApplicationContext start(DataSource raw, LeaseStore store) throws SQLException {
        resetTables(raw);
        AnnotationConfigApplicationContext context = new AnnotationConfigApplicationContext();
        context.registerBean("rawDataSource", DataSource.class, () -> raw);
        context.registerBean(LeaseStore.class, () -> store);
        context.register(Application.class);
        context.refresh();
        return context;
    }

    static void resetTables(DataSource raw) throws SQLException {
        try (Connection connection = raw.getConnection();
                Statement statement = connection.createStatement()) {
            connection.setAutoCommit(true);
            statement.execute("DROP TABLE IF EXISTS " + ACCOUNT_TABLE);
            statement.execute("DROP TABLE IF EXISTS " + GUARD_TABLE);
            statement.execute("CREATE TABLE " + ACCOUNT_TABLE + " (id INT PRIMARY KEY, balance INT NOT NULL)");
            statement.execute("INSERT INTO " + ACCOUNT_TABLE + " VALUES (42, 0)");
        }
    }

    static String uniqueName(String prefix) {
        return prefix + "-" + NAMES.incrementAndGet();
    }

    static boolean released(SpringTransactionalLeaseClient client, String name) {
        return client.inspect(name).map(info -> info.isReleased()).orElse(true);
    }

    static StaleFenceTokenException staleCause(Throwable thrown) {
        for (Throwable cause = thrown; cause != null; cause = cause.getCause()) {
            if (cause instanceof StaleFenceTokenException) {
                return (StaleFenceTokenException) cause;
            }
        }
        return null;
    }

    @Configuration(proxyBeanMethods = false)
    @EnableTransactionManagement
    static class Application {
        @Bean
        FencedDataSource fencedDataSource(@Qualifier("rawDataSource") DataSource raw) throws SQLException {
            FencedDataSource fenced = FencedDataSource.builder(raw)
                    .guardTable(GUARD_TABLE)
                    .transactionLeases(SpringTransactionLeases.leaseSource())
                    .build();
            fenced.createGuardTable();
            return fenced;
        }

        @Bean
        DataSourceTransactionManager transactionManager(FencedDataSource dataSource) {
            return new DataSourceTransactionManager(dataSource);
        }

        @Bean
        TransactionTemplate transactionTemplate(DataSourceTransactionManager transactionManager) {
            return new TransactionTemplate(transactionManager);
        }

        @Bean
        JdbcTemplate jdbcTemplate(FencedDataSource dataSource) {
            return new JdbcTemplate(dataSource);
        }

        @Bean(destroyMethod = "close")
        @Primary
        SpringTransactionalLeaseClient holderA(LeaseStore store) {
            return new SpringTransactionalLeaseClient(
                    DefaultLeaseClient.builder(store).owner("holder-A").build());
        }

        @Bean(destroyMethod = "close")
        SpringTransactionalLeaseClient holderB(LeaseStore store) {
            return new SpringTransactionalLeaseClient(
                    DefaultLeaseClient.builder(store).owner("holder-B").build());
        }

        @Bean
        AccountService accountService(JdbcTemplate jdbc) {
            return new AccountService(jdbc);
        }
    }
}
