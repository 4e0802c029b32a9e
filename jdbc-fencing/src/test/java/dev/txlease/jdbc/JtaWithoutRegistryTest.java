package dev.txlease.jdbc;

import static dev.txlease.jdbc.WriteLog.entry;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.txlease.AcquireOptions;
import dev.txlease.Lease;
import dev.txlease.client.DefaultLeaseClient;
import dev.txlease.jdbc.jdbi.FencingConfig;
import dev.txlease.jdbc.jdbi.FencingPlugin;
import dev.txlease.jdbc.testing.Databases;
import dev.txlease.jdbc.testing.Jta;
import dev.txlease.jdbc.testing.LeaseHolders;
import dev.txlease.jta.TransactionalLeaseClient;
import dev.txlease.spi.LeaseStore;
import dev.txlease.testing.DynamoDbLocal;
import dev.txlease.testing.InProcessNarayana;
import io.agroal.api.AgroalDataSource;
import jakarta.transaction.TransactionManager;
import jakarta.transaction.TransactionSynchronizationRegistry;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.h2.jdbcx.JdbcDataSource;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.JdbiException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 11: a {@link FencedDataSource} built without {@code .transactionRegistry(...)} cannot see the
 * leases a JTA transaction published, and used to let the stalled holder's write commit unchecked.
 * Now its first statement in such a transaction fails with a message that says what to configure.
 * Real parts: Narayana, the transactional lease client on DynamoDB Local, H2 XA behind Agroal.
 */
class JtaWithoutRegistryTest {
    private static final String GUARD = FencingContract.GUARD;

    @RegisterExtension
    static final DynamoDbLocal DYNAMO = DynamoDbLocal.embedded();

    private final TransactionManager transactionManager = InProcessNarayana.transactionManager();
    private final TransactionSynchronizationRegistry registry = InProcessNarayana.registry();
    private final DataSource raw = Databases.h2("jta-without-registry");
    private TransactionalLeaseClient leasesA;
    private TransactionalLeaseClient leasesB;
    private AgroalDataSource pool;

    @BeforeEach
    void setUp() throws SQLException {
        LeaseStore store = DYNAMO.newStore();
        leasesA = TransactionalLeaseClient.builder(
                        DefaultLeaseClient.builder(store).owner("no-registry-A").build(), transactionManager)
                .registry(registry)
                .build();
        leasesB = TransactionalLeaseClient.builder(
                        DefaultLeaseClient.builder(store).owner("no-registry-B").build(), transactionManager)
                .registry(registry)
                .build();
        FencedDataSource.builder(raw).guardTable(GUARD).build().createGuardTable();
        WriteLog.create(raw);
        pool = Jta.xaPool(
                JdbcDataSource.class, Databases.h2("jta-without-registry").getURL(), "sa");
    }

    @AfterEach
    void tearDown() throws Exception {
        if (transactionManager.getTransaction() != null) {
            transactionManager.rollback();
        }
        pool.close();
        leasesA.close();
        leasesB.close();
    }

    @Test
    void aStalledHoldersWriteThroughADataSourceWithoutTheRegistryIsRefusedNotLeftUnchecked() throws Exception {
        FencedDataSource configured = FencedDataSource.builder(pool)
                .guardTable(GUARD)
                .transactionRegistry(registry)
                .build();
        FencedDataSource withoutRegistry =
                FencedDataSource.builder(pool).guardTable(GUARD).build();
        String name = LeaseHolders.newLockName();

        transactionManager.begin();
        Lease a = leasesA.acquire(
                name,
                AcquireOptions.builder()
                        .leaseDuration(LeaseHolders.STALL_LEASE)
                        .heartbeatPeriod(Duration.ZERO)
                        .build());
        // A stalls; B, another process, takes the lock over and writes.
        ExecutorService holderB = Executors.newSingleThreadExecutor();
        Lease b;
        try {
            b = holderB.submit(() -> {
                        transactionManager.begin();
                        Lease taken = leasesB.acquire(
                                name,
                                AcquireOptions.builder()
                                        .waitTimeout(Duration.ofSeconds(20))
                                        .pollInterval(Duration.ofMillis(20))
                                        .build());
                        try (Connection connection = configured.getConnection()) {
                            WriteLog.append(connection, taken, "B");
                        }
                        transactionManager.commit();
                        return taken;
                    })
                    .get(30, TimeUnit.SECONDS);
        } finally {
            holderB.shutdownNow();
        }

        try (Connection connection = withoutRegistry.getConnection()) {
            SQLException refused = assertThrows(SQLException.class, () -> WriteLog.append(connection, a, "A"));
            assertEquals("55000", refused.getSQLState());
            assertTrue(refused.getMessage().contains(name), refused::getMessage);
            assertTrue(refused.getMessage().contains("transactionRegistry"), refused::getMessage);
        }
        // The same through a Jdbi whose fencing plugin was given no registry.
        Jdbi jdbi = Jdbi.create(pool);
        jdbi.installPlugin(new FencingPlugin());
        jdbi.getConfig(FencingConfig.class).setGuardTable(GUARD);
        JdbiException viaJdbi = assertThrows(
                JdbiException.class,
                () -> jdbi.useHandle(handle -> handle.createUpdate(WriteLog.INSERT)
                        .bind(0, name)
                        .bind(1, a.fenceToken().value())
                        .bind(2, "A-jdbi")
                        .execute()));
        assertEquals(
                "55000", FencingContract.causeOf(viaJdbi, SQLException.class).getSQLState());
        transactionManager.rollback();
        assertEquals(List.of(entry("B", b)), WriteLog.entries(raw, name));

        // Once the transaction is over, the same thread uses the data source without leases as before.
        try (Connection connection = withoutRegistry.getConnection()) {
            WriteLog.append(connection, name, 0, "unguarded");
        }
        assertEquals(List.of(entry("B", b), "unguarded@0"), WriteLog.entries(raw, name));
    }
}
