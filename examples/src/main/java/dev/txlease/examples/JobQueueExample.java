package dev.txlease.examples;

import dev.txlease.AcquireOptions;
import dev.txlease.Lease;
import dev.txlease.jta.TransactionalLeaseClient;
import jakarta.transaction.TransactionManager;
import java.io.PrintStream;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Everyday use: a pool of workers drains a job table. Each job is claimed with a lease
 * ({@code job-<id>}) inside a JTA transaction; the job's update and its log row are fenced writes in
 * that transaction; commit releases the lease. No job is processed twice.
 *
 * <p>Run: {@code mvn -B -q -pl examples -am package exec:java -DskipTests
 * -Dexec.mainClass=dev.txlease.examples.JobQueueExample}. Exits 0 when every job was done exactly
 * once.
 */
public final class JobQueueExample {
    static final int JOBS = 60;
    static final int WORKERS = 4;

    /** What happened, for the test and the exit code. */
    record Outcome(int jobs, int doneJobs, int logRows, int distinctLoggedJobs, Map<String, Integer> perWorker) {
        boolean isSafe() {
            return doneJobs == jobs && logRows == jobs && distinctLoggedJobs == jobs;
        }
    }

    private JobQueueExample() {}

    public static void main(String[] args) {
        ExampleEnvironment.exit(() -> run(args, System.out).isSafe());
    }

    static Outcome run(String[] args, PrintStream out) throws Exception {
        try (ExampleEnvironment env = new ExampleEnvironment(args)) {
            out.println("txlease: " + WORKERS + " workers drain " + JOBS + " jobs on " + env.description());
            createJobs(env);
            ExecutorService pool = Executors.newFixedThreadPool(WORKERS);
            try {
                List<Future<Integer>> counts = new ArrayList<>();
                for (int w = 1; w <= WORKERS; w++) {
                    String worker = "worker-" + w;
                    TransactionalLeaseClient leases = env.leaseClient(worker, env.store());
                    counts.add(pool.submit(() -> drain(env, leases, worker)));
                }
                Map<String, Integer> perWorker = new TreeMap<>();
                for (int w = 0; w < WORKERS; w++) {
                    perWorker.put("worker-" + (w + 1), counts.get(w).get(120, TimeUnit.SECONDS));
                }
                Outcome outcome = result(env, perWorker);
                out.println("jobs done per worker: " + perWorker);
                out.println("jobs: " + outcome.jobs() + ", marked done: " + outcome.doneJobs() + ", log rows: "
                        + outcome.logRows() + ", distinct jobs logged: " + outcome.distinctLoggedJobs());
                out.println(
                        outcome.isSafe() ? "SAFE: every job was processed exactly once." : "UNSAFE: see counts above.");
                return outcome;
            } finally {
                pool.shutdownNow();
            }
        }
    }

    /** Claims and processes jobs until none is left; returns how many this worker did. */
    private static int drain(ExampleEnvironment env, TransactionalLeaseClient leases, String worker) throws Exception {
        TransactionManager tm = env.transactionManager();
        AcquireOptions options = AcquireOptions.defaults();
        int done = 0;
        List<Integer> candidates;
        while (!(candidates = newJobs(env)).isEmpty()) {
            Collections.shuffle(candidates); // spread the workers over the queue
            for (int job : candidates) {
                tm.begin();
                try {
                    Optional<Lease> lease = leases.tryAcquire("job-" + job, options);
                    if (lease.isPresent()
                            && process(
                                    env, job, worker, lease.get().fenceToken().value())) {
                        tm.commit(); // prepare checks the lease; commit releases it
                        done++;
                    } else {
                        tm.rollback(); // held by another worker, or already done
                    }
                } catch (Exception e) {
                    if (tm.getTransaction() != null) {
                        tm.rollback();
                    }
                    throw e;
                }
            }
        }
        return done;
    }

    /** Marks the job done and logs it, in the caller's transaction, if it is still new. */
    private static boolean process(ExampleEnvironment env, int job, String worker, long fence) throws SQLException {
        try (Connection connection = env.fenced().getConnection();
                PreparedStatement claim = connection.prepareStatement(
                        "UPDATE jobs SET status = 'DONE', processed_by = ?, fence = ? WHERE id = ? AND status = 'NEW'")) {
            claim.setString(1, worker);
            claim.setLong(2, fence);
            claim.setInt(3, job);
            if (claim.executeUpdate() == 0) {
                return false;
            }
            try (PreparedStatement log =
                    connection.prepareStatement("INSERT INTO job_log (job_id, worker, fence) VALUES (?, ?, ?)")) {
                log.setInt(1, job);
                log.setString(2, worker);
                log.setLong(3, fence);
                log.executeUpdate();
            }
            return true;
        }
    }

    private static void createJobs(ExampleEnvironment env) throws SQLException {
        try (Connection connection = env.pool().getConnection();
                Statement statement = connection.createStatement()) {
            statement.execute("DROP TABLE IF EXISTS job_log");
            statement.execute("DROP TABLE IF EXISTS jobs");
            statement.execute("CREATE TABLE jobs (id INT PRIMARY KEY, status VARCHAR(10) NOT NULL, "
                    + "processed_by VARCHAR(50), fence BIGINT)");
            statement.execute(
                    "CREATE TABLE job_log (job_id INT NOT NULL, worker VARCHAR(50) NOT NULL, fence BIGINT NOT NULL)");
            for (int id = 1; id <= JOBS; id++) {
                statement.execute("INSERT INTO jobs (id, status) VALUES (" + id + ", 'NEW')");
            }
        }
    }

    private static List<Integer> newJobs(ExampleEnvironment env) throws SQLException {
        List<Integer> ids = new ArrayList<>();
        try (Connection connection = env.pool().getConnection();
                Statement statement = connection.createStatement();
                ResultSet rows = statement.executeQuery("SELECT id FROM jobs WHERE status = 'NEW' ORDER BY id")) {
            while (rows.next()) {
                ids.add(rows.getInt(1));
            }
        }
        return ids;
    }

    private static Outcome result(ExampleEnvironment env, Map<String, Integer> perWorker) throws SQLException {
        try (Connection connection = env.pool().getConnection();
                Statement statement = connection.createStatement();
                ResultSet row = statement.executeQuery("SELECT (SELECT COUNT(*) FROM jobs), "
                        + "(SELECT COUNT(*) FROM jobs WHERE status = 'DONE'), (SELECT COUNT(*) FROM job_log), "
                        + "(SELECT COUNT(DISTINCT job_id) FROM job_log)")) {
            row.next();
            return new Outcome(row.getInt(1), row.getInt(2), row.getInt(3), row.getInt(4), perWorker);
        }
    }
}
