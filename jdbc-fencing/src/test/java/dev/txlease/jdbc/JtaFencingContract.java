package dev.txlease.jdbc;

import static dev.txlease.jdbc.WriteLog.entry;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.txlease.AcquireOptions;
import dev.txlease.Lease;
import dev.txlease.LeaseInfo;
import dev.txlease.LockMode;
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
import jakarta.transaction.RollbackException;
import jakarta.transaction.Status;
import jakarta.transaction.TransactionManager;
import jakarta.transaction.TransactionSynchronizationRegistry;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.h2.jdbcx.JdbcDataSource;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.JdbiException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Fencing under JTA: Narayana in this JVM, the transactional lease client on DynamoDB Local, the
 * fenced data source over an Agroal pool that Narayana enlists (an XA database per subclass), and a
 * second XA database (H2) for an "outbox" write. Holder A acquires its lease inside its transaction
 * and stalls; holder B takes the lock over and commits a write in a transaction of its own; A's next
 * fenced statement fails and the whole of A's transaction rolls back.
 */
abstract class JtaFencingContract {
    static final String GUARD = FencingContract.GUARD;
    private static final Duration WAIT = Duration.ofSeconds(30);

    @RegisterExtension
    static final DynamoDbLocal DYNAMO = DynamoDbLocal.embedded();

    @RegisterExtension
    static final InProcessNarayana NARAYANA = new InProcessNarayana();

    private static TransactionManager transactionManager;
    private static TransactionSynchronizationRegistry registry;
    private static TransactionalLeaseClient leasesA;
    private static TransactionalLeaseClient leasesB;
    private static DefaultLeaseClient observer;
    private static AgroalDataSource outbox;

    private AgroalDataSource pool;
    private FencedDataSource fenced;
    private ExecutorService holderB;

    /** Returns the raw (non-XA) data source of the database under test, or skips the test. */
    abstract DataSource rawDataSource();

    /** Returns an Agroal pool over the XA data source of the same database, integrated with Narayana. */
    abstract AgroalDataSource xaPool() throws SQLException;

    @BeforeAll
    static void startTransactionsAndLeases() throws SQLException {
        transactionManager = InProcessNarayana.transactionManager();
        registry = InProcessNarayana.registry();
        LeaseStore store = DYNAMO.newStore();
        leasesA = TransactionalLeaseClient.builder(
                        DefaultLeaseClient.builder(store).owner("jta-holder-A").build(), transactionManager)
                .registry(registry)
                .build();
        leasesB = TransactionalLeaseClient.builder(
                        DefaultLeaseClient.builder(store).owner("jta-holder-B").build(), transactionManager)
                .registry(registry)
                .build();
        observer = DefaultLeaseClient.builder(store).owner("jta-observer").build();
        JdbcDataSource outboxRaw = Databases.h2("jta-outbox");
        try (Connection connection = outboxRaw.getConnection();
                Statement statement = connection.createStatement()) {
            statement.execute("CREATE TABLE IF NOT EXISTS outbox (lock_name VARCHAR(255), fence BIGINT)");
        }
        outbox = Jta.xaPool(JdbcDataSource.class, outboxRaw.getURL(), "sa");
    }

    @AfterAll
    static void stopTransactionsAndLeases() {
        leasesA.close();
        leasesB.close();
        observer.close();
        outbox.close();
    }

    @BeforeEach
    void setUp() throws SQLException {
        DataSource raw = rawDataSource();
        FencedDataSource.builder(raw).guardTable(GUARD).build().createGuardTable();
        WriteLog.create(raw);
        pool = xaPool();
        fenced = FencedDataSource.builder(pool)
                .guardTable(GUARD)
                .transactionRegistry(registry)
                .build();
        holderB = Executors.newSingleThreadExecutor();
    }

    @AfterEach
    void tearDown() throws Exception {
        if (holderB == null) {
            return; // the database was missing: the test was skipped before it started
        }
        if (transactionManager.getTransaction() != null) {
            transactionManager.rollback();
        }
        holderB.shutdownNow();
        assertTrue(holderB.awaitTermination(WAIT.toSeconds(), TimeUnit.SECONDS));
        pool.close();
    }

    @Test
    void aCommittedTransactionWritesUnderItsTokenAndReleasesItsLease() throws Exception {
        String name = LeaseHolders.newLockName();
        transactionManager.begin();
        Lease a = leasesA.acquire(name, AcquireOptions.defaults());
        try (Connection connection = fenced.getConnection()) {
            assertFalse(connection.getAutoCommit(), "Agroal enlists the connection: auto-commit is off");
            WriteLog.append(connection, a, "A");
        }
        transactionManager.commit();

        assertEquals(List.of(entry("A", a)), WriteLog.entries(rawDataSource(), name));
        assertTrue(observer.inspect(name).map(LeaseInfo::isReleased).orElseThrow(), "released at commit");
    }

    @Test
    void aStaleTransactionRollsBackAsAWholeAndItsLeaseIsReleased() throws Exception {
        String name = LeaseHolders.newLockName();
        transactionManager.begin();
        try (Connection connection = fenced.getConnection()) {
            WriteLog.append(connection, name, 0, "A-before-lease"); // no lease yet: unchecked
        }
        Lease a = leasesA.acquire(name, stalling());
        try (Connection connection = outbox.getConnection();
                PreparedStatement insert = connection.prepareStatement("INSERT INTO outbox VALUES (?, ?)")) {
            insert.setString(1, name);
            insert.setLong(2, a.fenceToken().value());
            insert.executeUpdate();
        }
        // A stalls; B takes the lock over and commits a write in its own transaction.
        Lease b = holderB.submit(() -> writeAsHolderB(name)).get(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertTrue(b.fenceToken().isNewerThan(a.fenceToken()));

        // A resumes: the lease acquired in mid-transaction is checked before A's next statement.
        try (Connection connection = fenced.getConnection()) {
            StaleFenceTokenException stale =
                    assertThrows(StaleFenceTokenException.class, () -> WriteLog.append(connection, a, "A"));
            assertEquals(b.fenceToken(), stale.observedToken());
            assertThrows(StaleFenceTokenException.class, () -> WriteLog.append(connection, a, "A-again"));
        }
        // The fenced connection marked the transaction before the lease resource got to vote.
        assertEquals(Status.STATUS_MARKED_ROLLBACK, transactionManager.getStatus());
        assertThrows(RollbackException.class, transactionManager::commit);

        assertEquals(List.of(entry("B", b)), WriteLog.entries(rawDataSource(), name), "no partial write");
        assertEquals(0, outboxRows(name), "the other resource rolled back too");
        assertFalse(a.isValid());
        assertTrue(observer.inspect(name).map(LeaseInfo::isReleased).orElseThrow(), "nobody holds the lock");
        observer.tryAcquire(name, AcquireOptions.defaults()).orElseThrow().close();
    }

    @Test
    void jdbiWithTheTransactionRegistryRejectsTheStaleHolderUnderJta() throws Exception {
        Jdbi jdbi = Jdbi.create(pool);
        jdbi.installPlugin(new FencingPlugin());
        jdbi.getConfig(FencingConfig.class).setGuardTable(GUARD).setTransactionRegistry(registry);
        String name = LeaseHolders.newLockName();
        transactionManager.begin();
        Lease a = leasesA.acquire(name, stalling());
        Lease b = holderB.submit(() -> writeAsHolderB(name)).get(WAIT.toSeconds(), TimeUnit.SECONDS);
        JdbiException failure = assertThrows(
                JdbiException.class,
                () -> jdbi.useHandle(handle -> handle.createUpdate(WriteLog.INSERT)
                        .bind(0, name)
                        .bind(1, a.fenceToken().value())
                        .bind(2, "A")
                        .execute()));
        FencingContract.causeOf(failure, StaleFenceTokenException.class);
        assertEquals(Status.STATUS_MARKED_ROLLBACK, transactionManager.getStatus());
        transactionManager.rollback();
        assertEquals(List.of(entry("B", b)), WriteLog.entries(rawDataSource(), name));
    }

    /**
     * Issue 16 under JTA: the transactional client's leases carry their mode to the fenced data source.
     * Two CW holders in concurrent transactions both commit, the newer first; then a PR holder that
     * stalls is superseded by an EX holder's write, and its write is rejected.
     */
    @Test
    void compatibleHoldersBothCommitAndAnIncompatibleNewerWriterRejectsTheOlderUnderJta() throws Exception {
        String name = LeaseHolders.newLockName();
        transactionManager.begin();
        Lease a =
                leasesA.acquire(name, AcquireOptions.builder().mode(LockMode.CW).build()); // heartbeating
        assertEquals(LockMode.CW, a.mode());
        Lease b = holderB.submit(() -> writeAsHolderB(name, LockMode.CW)).get(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertTrue(b.fenceToken().isNewerThan(a.fenceToken()), "granted while A holds CW");
        try (Connection connection = fenced.getConnection()) {
            WriteLog.append(connection, a, "A-cw"); // older token, compatible mode: passes
        }
        transactionManager.commit();

        transactionManager.begin();
        Lease reader =
                leasesA.acquire(name, stalling().toBuilder().mode(LockMode.PR).build());
        Lease writer = holderB.submit(() -> writeAsHolderB(name, LockMode.EX)).get(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertTrue(writer.fenceToken().isNewerThan(reader.fenceToken()));
        try (Connection connection = fenced.getConnection()) {
            StaleFenceTokenException stale =
                    assertThrows(StaleFenceTokenException.class, () -> WriteLog.append(connection, reader, "A-pr"));
            assertEquals(LockMode.PR, stale.lockMode());
            assertEquals(LockMode.EX, stale.observedMode());
            assertEquals(writer.fenceToken(), stale.observedToken());
        }
        assertEquals(Status.STATUS_MARKED_ROLLBACK, transactionManager.getStatus());
        transactionManager.rollback();
        assertEquals(
                List.of(entry("B", b), entry("A-cw", a), entry("B", writer)), WriteLog.entries(rawDataSource(), name));
    }

    private Lease writeAsHolderB(String name) throws Exception {
        return writeAsHolderB(name, LockMode.EX);
    }

    private Lease writeAsHolderB(String name, LockMode mode) throws Exception {
        transactionManager.begin();
        try {
            Lease b = leasesB.acquire(
                    name,
                    AcquireOptions.builder()
                            .mode(mode)
                            .waitTimeout(WAIT)
                            .pollInterval(Duration.ofMillis(20))
                            .build());
            try (Connection connection = fenced.getConnection()) {
                WriteLog.append(connection, b, "B");
            }
            transactionManager.commit();
            return b;
        } finally {
            if (transactionManager.getTransaction() != null) {
                transactionManager.rollback();
            }
        }
    }

    private static AcquireOptions stalling() {
        return AcquireOptions.builder()
                .leaseDuration(LeaseHolders.STALL_LEASE)
                .heartbeatPeriod(Duration.ZERO)
                .build();
    }

    private static int outboxRows(String name) throws SQLException {
        try (Connection connection = Databases.h2("jta-outbox").getConnection();
                PreparedStatement select =
                        connection.prepareStatement("SELECT COUNT(*) FROM outbox WHERE lock_name = ?")) {
            select.setString(1, name);
            try (ResultSet count = select.executeQuery()) {
                count.next();
                return count.getInt(1);
            }
        }
    }
}
