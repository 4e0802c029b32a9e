package dev.txlease.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import dev.txlease.Lease;
import dev.txlease.LeaseLostException;
import dev.txlease.LockMode;
import dev.txlease.jdbc.FencedDataSource;
import dev.txlease.jdbc.StaleFenceTokenException;
import dev.txlease.jdbc.testing.Databases;
import dev.txlease.spring.Leased;
import dev.txlease.spring.SpringTestKitAccess;
import dev.txlease.testing.DynamoDbLocal;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import javax.sql.DataSource;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.jdbc.autoconfigure.DataSourceTransactionManagerAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.annotation.EnableTransactionManagement;
import org.springframework.transaction.annotation.Transactional;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * {@code txlease.fencing.fenced-reads} in a Boot application on H2 and PostgreSQL: a protected
 * reader ({@code @Leased(mode = PR)}) stalls past its lease, an exclusive writer takes the lock over,
 * writes and commits; then the reader queries.
 */
class FencedReadsBootTest {
    private static final DynamoDbLocal DYNAMO = SpringTestKitAccess.dynamo();
    private static final String ACCOUNT_TABLE = "boot_reads_account";
    private static final String GUARD_TABLE = "boot_reads_guard";

    /** A ledger read under a protected-read lease and written under the default (exclusive) one. */
    public static class LedgerService {
        private final JdbcTemplate jdbc;
        private final AtomicReference<Long> lastRead = new AtomicReference<>();

        public LedgerService(DataSource dataSource) {
            this.jdbc = new JdbcTemplate(dataSource);
        }

        /** Reads after a stall that outlasts its one-second lease (heartbeats off). */
        @Leased(value = "'ledger-' + #p0", mode = LockMode.PR, leaseDuration = "1s", heartbeatPeriod = "0s")
        @Transactional
        public long readAfterPause(long id, CountDownLatch acquired, CountDownLatch resume, Lease lease)
                throws InterruptedException {
            acquired.countDown();
            if (!resume.await(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException("the pause did not end");
            }
            long balance =
                    jdbc.queryForObject("SELECT balance FROM " + ACCOUNT_TABLE + " WHERE id = ?", Long.class, id);
            lastRead.set(balance);
            return balance;
        }

        @Leased(value = "'ledger-' + #p0", waitTimeout = "30s")
        @Transactional
        public long deposit(long id, long amount, Lease lease) {
            jdbc.update("UPDATE " + ACCOUNT_TABLE + " SET balance = balance + ? WHERE id = ?", amount, id);
            return lease.fenceToken().value();
        }

        // Read through a method: the test holds a proxy, whose own fields stay empty.
        public Long lastRead() {
            return lastRead.get();
        }
    }

    @Configuration(proxyBeanMethods = false)
    @EnableTransactionManagement
    static class Transactions {}

    /** What the stalled reader got: the writer's token, its failure (null if none), what it read. */
    private record Outcome(long writerToken, Throwable failure, Long read) {}

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"h2", "postgres"})
    void withFencedReadsASupersededProtectedReadersQueryIsRejected(String database) throws Exception {
        Outcome outcome = supersededReader(database, "txlease.fencing.fenced-reads=true");

        StaleFenceTokenException stale = cause(outcome.failure(), StaleFenceTokenException.class);
        assertThat((Throwable) stale)
                .as("the reader's query was rejected: %s", outcome.failure())
                .isNotNull();
        assertThat(stale.lockMode()).isEqualTo(LockMode.PR);
        assertThat(stale.observedMode()).isEqualTo(LockMode.EX);
        assertThat(stale.observedToken().value()).isEqualTo(outcome.writerToken());
        assertThat(stale.getMessage()).contains("ledger-1");
        assertThat(outcome.read()).as("the query never returned").isNull();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"h2", "postgres"})
    void fencedReadsAreOffByDefault(String database) throws Exception {
        Outcome outcome = supersededReader(database);

        assertThat(outcome.read())
                .as("the query ran unchecked, after the writer's commit")
                .isEqualTo(150L);
        assertThat((Throwable) cause(outcome.failure(), StaleFenceTokenException.class))
                .isNull();
        assertThat(cause(outcome.failure(), LeaseLostException.class))
                .as("only the commit noticed that the lease ran out: %s", outcome.failure())
                .isNotNull();
    }

    private Outcome supersededReader(String database, String... properties) throws Exception {
        DataSource raw = database.equals("h2") ? Databases.h2("boot_fenced_reads") : Databases.postgres();
        resetTables(raw);
        AtomicReference<Outcome> outcome = new AtomicReference<>();
        new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(
                        TxleaseAutoConfiguration.class, DataSourceTransactionManagerAutoConfiguration.class))
                .withUserConfiguration(Transactions.class)
                .withBean(
                        "localDynamoDb",
                        DynamoDbClient.class,
                        DYNAMO::client,
                        definition -> definition.setDestroyMethodName(""))
                .withBean("dataSource", DataSource.class, () -> raw)
                .withBean(LedgerService.class)
                .withPropertyValues(
                        "txlease.dynamodb.table=" + DYNAMO.newTableName(),
                        "txlease.dynamodb.create-table=true",
                        "txlease.fencing.enabled=true",
                        "txlease.fencing.guard-table=" + GUARD_TABLE,
                        "txlease.fencing.create-guard-table=true")
                .withPropertyValues(properties)
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    assertThat(context.getBean(DataSource.class)).isInstanceOf(FencedDataSource.class);
                    LedgerService ledger = context.getBean(LedgerService.class);
                    CountDownLatch acquired = new CountDownLatch(1);
                    CountDownLatch resume = new CountDownLatch(1);
                    CompletableFuture<Long> reader = CompletableFuture.supplyAsync(() -> {
                        try {
                            return ledger.readAfterPause(1, acquired, resume, null);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                            throw new IllegalStateException(e);
                        }
                    });
                    assertThat(acquired.await(30, TimeUnit.SECONDS))
                            .as("the reader got its lease")
                            .isTrue();
                    // Waits until the reader's lease is unchanged for a whole lease, takes it over,
                    // writes and commits.
                    long writerToken = ledger.deposit(1, 50, null);
                    resume.countDown();
                    Throwable failure = null;
                    try {
                        reader.get(30, TimeUnit.SECONDS);
                    } catch (ExecutionException e) {
                        failure = e.getCause();
                    }
                    outcome.set(new Outcome(writerToken, failure, ledger.lastRead()));
                });
        return outcome.get();
    }

    private static void resetTables(DataSource raw) throws SQLException {
        try (Connection connection = raw.getConnection();
                Statement statement = connection.createStatement()) {
            statement.execute("DROP TABLE IF EXISTS " + GUARD_TABLE);
            statement.execute("DROP TABLE IF EXISTS " + ACCOUNT_TABLE);
            statement.execute("CREATE TABLE " + ACCOUNT_TABLE + " (id BIGINT PRIMARY KEY, balance BIGINT NOT NULL)");
            statement.execute("INSERT INTO " + ACCOUNT_TABLE + " VALUES (1, 100)");
        }
    }

    private static <T extends Throwable> T cause(Throwable thrown, Class<T> type) {
        for (Throwable cause = thrown; cause != null; cause = cause.getCause()) {
            if (type.isInstance(cause)) {
                return type.cast(cause);
            }
        }
        return null;
    }
}
