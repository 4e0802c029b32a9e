package dev.txlease.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.txlease.AcquireOptions;
import dev.txlease.Lease;
import dev.txlease.LeaseState;
import dev.txlease.client.DefaultLeaseClient;
import dev.txlease.jdbc.FencedDataSource;
import dev.txlease.jdbc.testing.Databases;
import dev.txlease.jdbc.testing.Jta;
import dev.txlease.jta.TransactionalLeaseClient;
import dev.txlease.reliability.FencedCounter.Outcome;
import dev.txlease.spi.LeaseRecord;
import dev.txlease.spi.LeaseStore;
import dev.txlease.testing.DynamoDbLocal;
import dev.txlease.testing.InProcessNarayana;
import io.agroal.api.AgroalDataSource;
import jakarta.transaction.HeuristicMixedException;
import jakarta.transaction.RollbackException;
import jakarta.transaction.Status;
import jakarta.transaction.TransactionManager;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.UUID;
import javax.sql.DataSource;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Scenario 8: the database kills the connection of a fenced transaction after its writes, before its
 * commit (H2 {@code ABORT_SESSION}, PostgreSQL {@code pg_terminate_backend}, from another session).
 * The lease outcome must match the transaction outcome:
 *
 * <ul>
 *   <li>local transaction: nothing committed, the guard row still holds the previous holder's token
 *       (the check rolled back with the writes), and the lease, which is not tied to the
 *       transaction, is still held, so a retry under it commits;
 *   <li>JTA: the database branch cannot prepare, the transaction rolls back and its lease is
 *       released at once: no row, no guard change, and the next holder gets the lock without
 *       waiting.
 * </ul>
 */
class DatabaseFailureAtCommitTest {
    @RegisterExtension
    static final DynamoDbLocal DYNAMO = DynamoDbLocal.embedded();

    @RegisterExtension
    static final InProcessNarayana NARAYANA = new InProcessNarayana();

    private static final AcquireOptions OPTIONS =
            AcquireOptions.builder().leaseDuration(Duration.ofSeconds(10)).build();

    @Test
    void h2LocalTransactionKilledBeforeCommitCommitsNothingAndKeepsTheLease() throws Exception {
        killedLocalTransaction(
                Databases.h2("reliability-killed"), "rel_killed", "SELECT SESSION_ID()", "CALL ABORT_SESSION(?)");
    }

    @Test
    void postgresLocalTransactionKilledBeforeCommitCommitsNothingAndKeepsTheLease() throws Exception {
        killedLocalTransaction(
                Databases.postgres(), "rel_killed", "SELECT pg_backend_pid()", "SELECT pg_terminate_backend(?)");
    }

    private void killedLocalTransaction(DataSource database, String prefix, String whoAmI, String kill)
            throws Exception {
        FencedCounter counter = FencedCounter.create(database, prefix, Connection.TRANSACTION_NONE);
        String lock = "killed-" + UUID.randomUUID();
        counter.addLock(lock);
        LeaseStore store = DYNAMO.newStore();
        try (DefaultLeaseClient client =
                DefaultLeaseClient.builder(store).owner("killed-writer").build()) {
            try (Lease previous = client.acquire(lock, OPTIONS)) {
                assertEquals(Outcome.COMMITTED, counter.increment(previous, "previous"));
            }
            long previousToken = counter.guardToken(lock);
            Lease lease = client.acquire(lock, OPTIONS);
            assertTrue(lease.fenceToken().value() > previousToken);

            assertThrows(
                    SQLException.class,
                    () -> counter.increment(
                            lease, "killed", connection -> killSession(database, connection, whoAmI, kill)),
                    "commit on a killed connection");

            assertEquals(previousToken, counter.guardToken(lock), "the guard row kept the killed transaction's token");
            assertEquals(1, counter.counter(lock), "the killed transaction's increment");
            assertTrue(lease.isValid(), "a local transaction's failure does not touch its lease");
            assertEquals("killed-writer", store.read(lock).orElseThrow().owner());
            assertEquals(Outcome.COMMITTED, counter.increment(lease, "retry"), "the retry under the same lease");
            assertTrue(client.release(lease));
        }
        WriteHistory.Verdict verdict = counter.check();
        verdict.assertSafe();
        assertEquals(2, verdict.writes(lock));
    }

    @Test
    void h2XaBranchKilledBeforeCommitRollsBackAndReleasesTheLease() throws Exception {
        JdbcDataSource database = Databases.h2("reliability-killed-xa");
        FencedCounter counter = FencedCounter.create(database, "rel_killed_xa", Connection.TRANSACTION_NONE);
        String lock = "killed-xa-" + UUID.randomUUID();
        counter.addLock(lock);
        LeaseStore store = DYNAMO.newStore();
        TransactionManager transactions = InProcessNarayana.transactionManager();
        try (AgroalDataSource pool = Jta.xaPool(JdbcDataSource.class, database.getURL(), "sa");
                TransactionalLeaseClient leases = TransactionalLeaseClient.builder(
                                DefaultLeaseClient.builder(store)
                                        .owner("killed-xa-writer")
                                        .build(),
                                transactions)
                        .registry(InProcessNarayana.registry())
                        .build();
                DefaultLeaseClient next =
                        DefaultLeaseClient.builder(store).owner("next").build()) {
            try (Lease previous = leases.acquire(lock, OPTIONS)) { // outside a transaction: a plain lease
                assertEquals(Outcome.COMMITTED, counter.increment(previous, "previous"));
            }
            long previousToken = counter.guardToken(lock);
            FencedDataSource fenced = FencedDataSource.builder(pool)
                    .guardTable(counter.guardTable())
                    .transactionRegistry(InProcessNarayana.registry())
                    .build();

            transactions.begin();
            Lease lease = leases.acquire(lock, OPTIONS);
            try (Connection connection = fenced.getConnection()) {
                counter.history().increment(connection, lock, lease.fenceToken().value(), "killed");
                killSession(database, connection, "SELECT SESSION_ID()", "CALL ABORT_SESSION(?)");
            }
            // H2's XAResource reports the dead session with error code 0, which Narayana reads as a
            // heuristic hazard of prepare; a driver that says XAER_RMFAIL gets a RollbackException.
            Exception failed = assertThrows(Exception.class, transactions::commit, "commit with a killed branch");
            assertTrue(
                    failed instanceof RollbackException || failed instanceof HeuristicMixedException,
                    () -> "commit failed with " + failed);
            assertEquals(Status.STATUS_NO_TRANSACTION, transactions.getStatus());
            LeaseRecord record = store.read(lock).orElseThrow();
            assertTrue(record.released(), "the rolled back transaction's lease is released: " + record);
            assertNull(record.transactionId(), record::toString);
            assertEquals(LeaseState.RELEASED, lease.state());
            assertEquals(previousToken, counter.guardToken(lock), "the guard row kept the killed transaction's token");
            assertEquals(1, counter.counter(lock), "the killed transaction's increment");
            Lease after = next.tryAcquire(lock, OPTIONS).orElseThrow(); // free at once, not after a lease
            assertEquals(lease.fenceToken().value() + 1, after.fenceToken().value());
            assertEquals(Outcome.COMMITTED, counter.increment(after, "next"));
            assertTrue(next.release(after));
        }
        WriteHistory.Verdict verdict = counter.check();
        verdict.assertSafe();
        assertEquals(2, verdict.writes(lock));
    }

    /** Kills {@code victim}'s database session from another session. */
    private static void killSession(DataSource database, Connection victim, String whoAmI, String kill)
            throws SQLException {
        long session;
        try (PreparedStatement select = victim.prepareStatement(whoAmI);
                ResultSet row = select.executeQuery()) {
            row.next();
            session = row.getLong(1);
        }
        try (Connection killer = database.getConnection();
                PreparedStatement abort = killer.prepareStatement(kill)) {
            abort.setLong(1, session);
            try (ResultSet result = abort.executeQuery()) {
                assertTrue(result.next() && result.getBoolean(1), "session " + session + " was not killed");
            }
        }
    }
}
