package dev.txlease.bench;

import dev.txlease.AcquireOptions;
import dev.txlease.Lease;
import dev.txlease.client.DefaultLeaseClient;
import dev.txlease.jta.TransactionalLeaseClient;
import jakarta.transaction.HeuristicMixedException;
import jakarta.transaction.HeuristicRollbackException;
import jakarta.transaction.NotSupportedException;
import jakarta.transaction.RollbackException;
import jakarta.transaction.Status;
import jakarta.transaction.SystemException;
import jakarta.transaction.TransactionManager;
import jakarta.transaction.TransactionSynchronizationRegistry;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Measure 5: what a lease and its fence add to a JTA transaction that writes one row.
 *
 * <p>Per database, four variants, timed on {@link System#nanoTime()} and run in alternating blocks:
 *
 * <ol>
 *   <li><b>plain</b>: Narayana transaction, one {@code UPDATE} through the JTA pool, commit (one
 *       resource: one-phase commit);
 *   <li><b>plain 2PC</b>: the same with a {@link SecondResource}, so Narayana runs two-phase commit
 *       and writes its log, as it must with a lease;
 *   <li><b>leased</b>: the same, plus a lease acquired in the transaction through {@link
 *       TransactionalLeaseClient} and the write through the {@link dev.txlease.jdbc.FencedDataSource},
 *       which checks the lease's fence token in the database first; commit prepares the lease and
 *       releases it. Store requests are counted per phase (acquire, commit) on the calling thread;
 *   <li><b>DB only</b>: a local JDBC transaction, the same {@code UPDATE}, commit;
 *   <li><b>DB fenced</b>: the same through the fenced data source under a lease held throughout; the
 *       fence check's share of the DB transaction is (fenced &minus; DB only) / fenced, on medians.
 *       The fenced commit re-runs the guard update (re-verification), so this includes it;
 *   <li><b>read raw / read wrapped</b>: a read of {@value BenchDatabase#ROWS} rows in auto-commit
 *       without a lease, on the pool's connection and through the fenced data source: the cost of
 *       the proxies alone (every statement and result set call goes through one).
 * </ol>
 *
 * <p>Not instantiable.
 */
final class TransactionOverhead {
    private static final int BLOCKS = 10;

    private TransactionOverhead() {}

    static Section run(BenchContext context) {
        Section section = new Section("transaction", "5. Transaction overhead (JTA + fencing)")
                .describe("Narayana " + narayanaVersion() + " in this JVM; Agroal pools; one `UPDATE` per"
                        + " transaction. **plain**: JTA transaction without lease or fence (one resource: Narayana"
                        + " commits it in one phase). **plain 2PC**: the same with a do-nothing second XA resource,"
                        + " so Narayana runs two-phase commit and writes its log. **leased**: the plain"
                        + " transaction with a lease acquired through `TransactionalLeaseClient` and the write"
                        + " through `FencedDataSource` (fence check in the database); commit prepares the lease"
                        + " (1 store request) and releases it (1). **DB only / DB fenced**: a local JDBC"
                        + " transaction with the same `UPDATE`, without and with the fence check (lease held"
                        + " throughout); the fence check's share = (fenced - DB only) / fenced, on medians; a local"
                        + " commit of a fenced transaction runs the guard `UPDATE` once more (re-verification);"
                        + " **DB fenced without re-verification** skips it (an internal switch), and the"
                        + " re-verification's share = (fenced - without) / fenced."
                        + " **read 100 rows**: one `SELECT` of " + BenchDatabase.ROWS + " rows, two columns each, in"
                        + " auto-commit without a lease, on the pool's connection (raw) and through"
                        + " `FencedDataSource` (wrapped: the JDK-proxy statement and result set, no check); the"
                        + " wrapper's share = (wrapped - raw) / wrapped, on medians. "
                        + context.mode().transactions() + " transactions per variant after "
                        + context.mode().transactionWarmUps() + " warm-up ones, in " + BLOCKS
                        + " alternating blocks. The AWS lock client has no JTA integration: n/a.")
                .columns(
                        "database",
                        "plain p50 ms",
                        "plain 2PC p50 ms",
                        "leased p50 ms",
                        "leased: acquire / commit p50 ms",
                        "leased / plain (p50, mean)",
                        "leased / plain 2PC (p50)",
                        "store requests per leased tx: acquire + commit",
                        "DB only p50 ms",
                        "DB fenced p50 ms",
                        "fence check share",
                        "DB fenced without re-verification p50 ms",
                        "re-verification share",
                        "read 100 rows p50 ms: raw / wrapped",
                        "wrapper share");
        TransactionManager transactionManager = NarayanaSetup.transactionManager();
        TransactionSynchronizationRegistry registry = NarayanaSetup.registry();
        List<Result> results = new ArrayList<>();
        try (TransactionalLeaseClient leases = TransactionalLeaseClient.builder(
                        DefaultLeaseClient.builder(context.txlease().store())
                                .node("bench")
                                .owner("bench-txlease-jta")
                                .build(),
                        transactionManager)
                .registry(registry)
                .build()) {
            Run run = new Run(context, leases, transactionManager);
            try (BenchDatabase h2 = BenchDatabase.h2(transactionManager, registry)) {
                results.add(run.measure(h2));
            }
            try (BenchDatabase postgresql = BenchDatabase.postgresql(transactionManager, registry)) {
                results.add(run.measure(postgresql));
            } catch (SQLException e) {
                section.note("PostgreSQL not measured: it did not answer at " + BenchDatabase.PG_DEFAULT_URL + " (or $"
                        + BenchDatabase.PG_URL_VARIABLE + "): " + e.getMessage());
            }
        } catch (SQLException e) {
            throw new IllegalStateException("H2 failed in the transaction measure", e);
        }
        for (Result result : results) {
            result.report(section);
        }
        return section;
    }

    private static String narayanaVersion() {
        String version =
                com.arjuna.ats.jta.TransactionManager.class.getPackage().getImplementationVersion();
        return version != null ? version : "(version unknown)";
    }

    /** The variants over one lease client. Not thread-safe. */
    private static final class Run {
        private final BenchContext context;
        private final TransactionalLeaseClient leases;
        private final TransactionManager transactionManager;
        private final RequestCounter requests;
        private final AcquireOptions options = AcquireOptions.defaults();

        Run(BenchContext context, TransactionalLeaseClient leases, TransactionManager transactionManager) {
            this.context = context;
            this.leases = leases;
            this.transactionManager = transactionManager;
            this.requests = context.txlease().requests();
        }

        Result measure(BenchDatabase database) throws SQLException {
            Result result = new Result(database.description(), database.label());
            String lockName = "m5-" + database.key();
            Lease held = leases.acquire(lockName + "-local", options); // no transaction: a plain lease
            try {
                BenchMode mode = context.mode();
                Result warmUp = new Result(database.description(), database.label());
                for (int i = 0; i < mode.transactionWarmUps(); i++) {
                    runAll(database, lockName, held, warmUp, i % 2 == 0);
                }
                int perBlock = Math.max(1, mode.transactions() / BLOCKS);
                for (int i = 0; i < mode.transactions(); i++) {
                    runAll(database, lockName, held, result, (i / perBlock) % 2 == 0);
                }
            } finally {
                leases.release(held);
            }
            return result;
        }

        private void runAll(BenchDatabase database, String lockName, Lease held, Result result, boolean forward)
                throws SQLException {
            if (forward) {
                plain(database, result, false);
                plain(database, result, true);
                leased(database, lockName, result);
                local(database, result);
                fenced(database, held, result);
                unverified(database, held, result);
                read(database, result, false);
                read(database, result, true);
            } else {
                read(database, result, true);
                read(database, result, false);
                unverified(database, held, result);
                fenced(database, held, result);
                local(database, result);
                leased(database, lockName, result);
                plain(database, result, true);
                plain(database, result, false);
            }
        }

        private void plain(BenchDatabase database, Result result, boolean twoPhase) throws SQLException {
            long start = System.nanoTime();
            begin();
            try (Connection connection = database.jtaPool().getConnection()) {
                if (twoPhase) {
                    enlist(new SecondResource());
                }
                BenchDatabase.write(connection);
            } catch (SQLException | RuntimeException e) {
                rollback(e);
                throw e;
            }
            commit();
            (twoPhase ? result.plainTwoPhase : result.plain).add(System.nanoTime() - start);
        }

        private void enlist(SecondResource resource) {
            try {
                if (!transactionManager.getTransaction().enlistResource(resource)) {
                    throw new IllegalStateException("Narayana refused the second resource");
                }
            } catch (RollbackException | SystemException e) {
                throw new IllegalStateException("could not enlist the second resource", e);
            }
        }

        private void leased(BenchDatabase database, String lockName, Result result) throws SQLException {
            long start = System.nanoTime();
            long before = requests.sentByCurrentThread();
            begin();
            long acquired;
            long committing;
            try {
                leases.acquire(lockName, options);
                acquired = requests.sentByCurrentThread();
                result.acquire.add(System.nanoTime() - start);
                try (Connection connection = database.fencedJta().getConnection()) {
                    BenchDatabase.write(connection);
                }
                committing = System.nanoTime();
            } catch (SQLException | RuntimeException e) {
                rollback(e);
                throw e;
            }
            commit();
            long end = System.nanoTime();
            result.leased.add(end - start);
            result.commit.add(end - committing);
            result.acquireRequests.add(acquired - before);
            result.commitRequests.add(requests.sentByCurrentThread() - acquired);
        }

        private void local(BenchDatabase database, Result result) throws SQLException {
            long start = System.nanoTime();
            try (Connection connection = database.localPool().getConnection()) {
                connection.setAutoCommit(false);
                BenchDatabase.write(connection);
                connection.commit();
            }
            result.dbOnly.add(System.nanoTime() - start);
        }

        private void fenced(BenchDatabase database, Lease held, Result result) throws SQLException {
            long start = System.nanoTime();
            try (Connection connection = database.fencedLocal().getConnection(held)) {
                connection.setAutoCommit(false);
                BenchDatabase.write(connection);
                connection.commit();
            }
            result.dbFenced.add(System.nanoTime() - start);
        }

        private void unverified(BenchDatabase database, Lease held, Result result) throws SQLException {
            long start = System.nanoTime();
            try (Connection connection = database.fencedWithoutReVerification(held)) {
                connection.setAutoCommit(false);
                BenchDatabase.write(connection);
                connection.commit();
            }
            result.dbFencedUnverified.add(System.nanoTime() - start);
        }

        /** Reads the rows table in auto-commit, without a lease: the wrappers' cost alone. */
        private void read(BenchDatabase database, Result result, boolean wrapped) throws SQLException {
            long start = System.nanoTime();
            try (Connection connection = (wrapped ? database.fencedLocal() : database.localPool()).getConnection()) {
                if (BenchDatabase.read(connection) <= 0) {
                    throw new IllegalStateException("the rows table of the read is empty");
                }
            }
            (wrapped ? result.readWrapped : result.readRaw).add(System.nanoTime() - start);
        }

        private void begin() {
            try {
                transactionManager.begin();
            } catch (NotSupportedException | SystemException e) {
                throw new IllegalStateException("Narayana could not begin a transaction", e);
            }
        }

        private void commit() {
            try {
                transactionManager.commit();
            } catch (RollbackException | HeuristicMixedException | HeuristicRollbackException | SystemException e) {
                throw new IllegalStateException("the measured transaction did not commit", e);
            }
        }

        private void rollback(Exception cause) {
            try {
                if (transactionManager.getStatus() != Status.STATUS_NO_TRANSACTION) {
                    transactionManager.rollback();
                }
            } catch (SystemException | RuntimeException e) {
                cause.addSuppressed(e);
            }
        }
    }

    /** One database's timings and request counts. Not thread-safe. */
    private static final class Result {
        final String database;
        final String label;
        final Latencies plain = new Latencies();
        final Latencies plainTwoPhase = new Latencies();
        final Latencies leased = new Latencies();
        final Latencies acquire = new Latencies();
        final Latencies commit = new Latencies();
        final Latencies dbOnly = new Latencies();
        final Latencies dbFenced = new Latencies();
        final Latencies dbFencedUnverified = new Latencies();
        final Latencies readRaw = new Latencies();
        final Latencies readWrapped = new Latencies();
        final Latencies acquireRequests = new Latencies(); // counts, not nanoseconds
        final Latencies commitRequests = new Latencies();

        Result(String database, String label) {
            this.database = database;
            this.label = label;
        }

        void report(Section section) {
            double ratioP50 = (double) leased.percentile(50) / plain.percentile(50);
            double ratioMean = leased.mean() / plain.mean();
            double ratioTwoPhase = (double) leased.percentile(50) / plainTwoPhase.percentile(50);
            double share = (double) (dbFenced.percentile(50) - dbOnly.percentile(50)) / dbFenced.percentile(50);
            double verifyShare =
                    (double) (dbFenced.percentile(50) - dbFencedUnverified.percentile(50)) / dbFenced.percentile(50);
            double wrapperShare =
                    (double) (readWrapped.percentile(50) - readRaw.percentile(50)) / readWrapped.percentile(50);
            String requests = String.format(Locale.ROOT, "%s + %s", range(acquireRequests), range(commitRequests));
            section.row(
                    database,
                    Latencies.millis(plain.percentile(50)),
                    Latencies.millis(plainTwoPhase.percentile(50)),
                    Latencies.millis(leased.percentile(50)),
                    Latencies.millis(acquire.percentile(50)) + " / " + Latencies.millis(commit.percentile(50)),
                    String.format(Locale.ROOT, "%.2f, %.2f", ratioP50, ratioMean),
                    String.format(Locale.ROOT, "%.2f", ratioTwoPhase),
                    requests,
                    Latencies.millis(dbOnly.percentile(50)),
                    Latencies.millis(dbFenced.percentile(50)),
                    String.format(Locale.ROOT, "%.1f%%", share * 100),
                    Latencies.millis(dbFencedUnverified.percentile(50)),
                    String.format(Locale.ROOT, "%.1f%%", verifyShare * 100),
                    Latencies.millis(readRaw.percentile(50)) + " / " + Latencies.millis(readWrapped.percentile(50)),
                    String.format(Locale.ROOT, "%.1f%%", wrapperShare * 100));
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("transactions", plain.count());
            json.put("plainP50Ms", Latencies.millisValue(plain.percentile(50)));
            json.put("plainMeanMs", Latencies.millisValue(plain.mean()));
            json.put("plainTwoPhaseP50Ms", Latencies.millisValue(plainTwoPhase.percentile(50)));
            json.put("leasedAcquireP50Ms", Latencies.millisValue(acquire.percentile(50)));
            json.put("leasedCommitP50Ms", Latencies.millisValue(commit.percentile(50)));
            json.put("leasedP50Ms", Latencies.millisValue(leased.percentile(50)));
            json.put("leasedMeanMs", Latencies.millisValue(leased.mean()));
            json.put("leasedToPlainP50", ratioP50);
            json.put("leasedToPlainMean", ratioMean);
            json.put("leasedToPlainTwoPhaseP50", ratioTwoPhase);
            json.put("acquireRequestsMin", acquireRequests.percentile(0));
            json.put("acquireRequestsMax", acquireRequests.max());
            json.put("commitRequestsMin", commitRequests.percentile(0));
            json.put("commitRequestsMax", commitRequests.max());
            json.put("dbOnlyP50Ms", Latencies.millisValue(dbOnly.percentile(50)));
            json.put("dbFencedP50Ms", Latencies.millisValue(dbFenced.percentile(50)));
            json.put("fenceShare", share);
            json.put("dbFencedWithoutReVerificationP50Ms", Latencies.millisValue(dbFencedUnverified.percentile(50)));
            json.put("reVerificationShare", verifyShare);
            json.put("readRawP50Ms", Latencies.millisValue(readRaw.percentile(50)));
            json.put("readWrappedP50Ms", Latencies.millisValue(readWrapped.percentile(50)));
            json.put("wrapperShare", wrapperShare);
            section.value(label, json);
            boolean twoExtra =
                    commitRequests.count() > 0 && commitRequests.percentile(0) == 2 && commitRequests.max() == 2;
            section.target(
                    "txlease: 2 store requests added by the transaction (prepare + release), " + label,
                    requests + " (acquire + commit)",
                    twoExtra);
            section.target(
                    "fence check under 15% of the DB transaction, " + label,
                    String.format(Locale.ROOT, "%.1f%%", share * 100),
                    share < 0.15);
        }

        private static String range(Latencies counts) {
            long min = counts.percentile(0);
            long max = counts.max();
            return min == max ? Long.toString(min) : min + "-" + max;
        }
    }
}
