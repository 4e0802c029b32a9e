package dev.txlease.examples;

import dev.txlease.AcquireOptions;
import dev.txlease.Lease;
import dev.txlease.jdbc.StaleFenceTokenException;
import dev.txlease.jta.TransactionalLeaseClient;
import jakarta.transaction.TransactionManager;
import java.io.PrintStream;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Martin Kleppmann's lost update, and how txlease stops it.
 *
 * <ol>
 *   <li>Worker A takes lease {@code account-42} inside a transaction (fence n), then stalls: a
 *       stop-the-world pause freezes its thread and its heartbeats, past the lease.
 *   <li>Worker B sees A's lease unchanged for a full lease duration, takes it over (fence n+1),
 *       deposits 50 and commits; the lease is released after B's commit.
 *   <li>A wakes and withdraws 30. The database rejects the write: its guard row already saw fence
 *       n+1. A's transaction rolls back. The balance is B's.
 * </ol>
 *
 * <p>When a paused process wakes, which of its threads runs first is up to the scheduler. The
 * example lets A's write go first, the case only the database can catch: A's heartbeat stays frozen
 * until the write has been tried. Had the heartbeat run first, it would have found the lease taken
 * over and marked A's transaction rollback-only, and the write would never have started.
 *
 * <p>Run: {@code mvn -B -q -pl examples -am package exec:java -DskipTests}. Exits 0 when the stale
 * write was rejected and the balance is exactly 150, 1 otherwise.
 */
public final class KleppmannExample {
    static final String LOCK = "account-42";
    static final Duration LEASE = Duration.ofSeconds(2);
    /** A's heartbeat period: its first beat, frozen, is due well before the lease runs out. */
    static final Duration HEARTBEAT_A = Duration.ofMillis(200);

    /** What happened, for the test and the exit code. */
    record Outcome(long fenceA, long fenceB, boolean staleWriteRejected, String rejection, long finalBalance) {
        boolean isSafe() {
            return staleWriteRejected && finalBalance == 150 && fenceB > fenceA;
        }
    }

    private KleppmannExample() {}

    public static void main(String[] args) {
        ExampleEnvironment.exit(() -> run(args, System.out).isSafe());
    }

    static Outcome run(String[] args, PrintStream out) throws Exception {
        return run(args, out, (processOfA, tm) -> {});
    }

    /**
     * Runs on worker A's thread when A wakes, just before its write; the test uses it to let A's
     * other threads (its heartbeat, the listener that reacts to a lost lease) run first, as a busy
     * machine may schedule them.
     */
    @FunctionalInterface
    interface Waking {
        void beforeWrite(FreezableStore processOfA, TransactionManager tm) throws Exception;
    }

    static Outcome run(String[] args, PrintStream out, Waking waking) throws Exception {
        try (ExampleEnvironment env = new ExampleEnvironment(args)) {
            out.println("txlease: the Kleppmann scenario on " + env.description());
            out.println();
            createAccount(env);
            FreezableStore processOfA = new FreezableStore(env.store());
            TransactionalLeaseClient leasesA = env.leaseClient("worker-A", processOfA);
            TransactionalLeaseClient leasesB = env.leaseClient("worker-B", env.store());
            TransactionManager tm = env.transactionManager();
            Timeline timeline = new Timeline(out);

            CountDownLatch aStalled = new CountDownLatch(1);
            CountDownLatch bCommitted = new CountDownLatch(1);
            CompletableFuture<Outcome> workerA = CompletableFuture.supplyAsync(() -> {
                try {
                    tm.begin();
                    Lease lease = leasesA.acquire(
                            LOCK,
                            AcquireOptions.builder()
                                    .leaseDuration(LEASE)
                                    .heartbeatPeriod(HEARTBEAT_A)
                                    .build());
                    long fence = lease.fenceToken().value();
                    timeline.event(
                            "A",
                            fence,
                            "acquired lease " + LOCK + " in its transaction; reads balance 100, will withdraw 30");
                    processOfA.freeze();
                    // The pause starts for good once A's heartbeat hangs in it, long before the lease
                    // could run out: no beat can then find it expired during the pause.
                    if (!processOfA.awaitParked(Duration.ofSeconds(30))) {
                        throw new IllegalStateException("worker A's heartbeat never reached the frozen store");
                    }
                    timeline.event("A", fence, "stalls: stop-the-world pause (heartbeats frozen too)");
                    aStalled.countDown();
                    bCommitted.await(); // the pause outlasts the lease and B's whole transaction
                    timeline.event(
                            "A",
                            fence,
                            "wakes up and writes at once, as a paused process does: it checked its lease before the"
                                    + " pause (isValid() now says " + lease.isValid() + ")");
                    waking.beforeWrite(processOfA, tm);
                    StaleFenceTokenException rejected = null;
                    try (Connection connection = env.fenced().getConnection()) {
                        withdraw(connection, 30);
                    } catch (StaleFenceTokenException e) {
                        rejected = e;
                    } finally {
                        // Only now do A's other threads run again: its heartbeat finds the lease taken
                        // over. Had it run first, A's transaction would be rollback-only before the
                        // write, and the database would have had nothing to reject.
                        processOfA.thaw();
                    }
                    if (rejected == null) {
                        tm.commit();
                        timeline.event("A", fence, "COMMITTED a stale write: the lost update happened");
                        return new Outcome(fence, 0, false, null, 0);
                    }
                    timeline.event("A", fence, "write REJECTED by the database: " + rejected.getMessage());
                    tm.rollback();
                    timeline.event("A", fence, "transaction rolled back");
                    return new Outcome(fence, 0, true, rejected.getMessage(), 0);
                } catch (Exception e) {
                    throw new IllegalStateException("worker A failed unexpectedly", e);
                }
            });

            if (!aStalled.await(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException("worker A did not get going");
            }
            long fenceB;
            tm.begin();
            try {
                timeline.event(
                        "B",
                        null,
                        "wants " + LOCK + "; waits until A's lease is unchanged for " + LEASE.toMillis()
                                + " ms on B's own clock");
                Lease lease = leasesB.acquire(
                        LOCK, AcquireOptions.builder().leaseDuration(LEASE).build());
                fenceB = lease.fenceToken().value();
                timeline.event("B", fenceB, "took the lease over");
                try (Connection connection = env.fenced().getConnection()) {
                    deposit(connection, 50);
                }
                timeline.event("B", fenceB, "deposited 50");
                tm.commit();
                timeline.event(
                        "B",
                        fenceB,
                        "committed; lease released after commit (released="
                                + leasesB.inspect(LOCK).orElseThrow().isReleased() + ")");
            } catch (Exception e) {
                tm.rollback();
                throw e;
            } finally {
                bCommitted.countDown();
            }

            Outcome a = workerA.get(60, TimeUnit.SECONDS);
            long balance = balance(env);
            Outcome outcome = new Outcome(a.fenceA(), fenceB, a.staleWriteRejected(), a.rejection(), balance);
            out.println();
            out.println("Final balance: " + balance + " (100 + 50 from B; A's stale withdrawal of 30 "
                    + (outcome.staleWriteRejected() ? "was rejected" : "got through") + ")");
            out.println(
                    outcome.isSafe()
                            ? "SAFE: the database refused the write carrying fence " + a.fenceA() + " after fence "
                                    + fenceB + " had written."
                            : "UNSAFE: the stale holder's write was not rejected.");
            return outcome;
        }
    }

    private static void createAccount(ExampleEnvironment env) throws SQLException {
        try (Connection connection = env.pool().getConnection();
                Statement statement = connection.createStatement()) {
            statement.execute("DROP TABLE IF EXISTS accounts");
            statement.execute("CREATE TABLE accounts (id INT PRIMARY KEY, balance BIGINT NOT NULL)");
            statement.execute("INSERT INTO accounts VALUES (42, 100)");
        }
    }

    private static void deposit(Connection connection, long amount) throws SQLException {
        change(connection, amount);
    }

    private static void withdraw(Connection connection, long amount) throws SQLException {
        change(connection, -amount);
    }

    private static void change(Connection connection, long delta) throws SQLException {
        try (PreparedStatement update =
                connection.prepareStatement("UPDATE accounts SET balance = balance + ? WHERE id = 42")) {
            update.setLong(1, delta);
            update.executeUpdate();
        }
    }

    private static long balance(ExampleEnvironment env) throws SQLException {
        try (Connection connection = env.pool().getConnection();
                Statement statement = connection.createStatement();
                ResultSet row = statement.executeQuery("SELECT balance FROM accounts WHERE id = 42")) {
            row.next();
            return row.getLong(1);
        }
    }
}
