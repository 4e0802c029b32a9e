package dev.txlease.micrometer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.txlease.AcquireOptions;
import dev.txlease.Lease;
import dev.txlease.LockMode;
import dev.txlease.client.DefaultLeaseClient;
import dev.txlease.jdbc.FenceConflictException;
import dev.txlease.jdbc.FencedDataSource;
import dev.txlease.jdbc.LeaseBinding;
import dev.txlease.jdbc.StaleFenceTokenException;
import dev.txlease.testing.DynamoDbLocal;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@link FencedDataSourceMetrics} after real fence checks, per database: leases from the lease client
 * on DynamoDB Local, checks by the database.
 */
abstract class FencedDataSourceMetricsContract {
    @RegisterExtension
    static final DynamoDbLocal DYNAMO = DynamoDbLocal.embedded();

    private MeterRegistry registry;
    private DataSource pool;
    private FencedDataSource fenced;
    private DefaultLeaseClient client;

    /** Returns the database, or skips the test. */
    abstract DataSource rawDataSource();

    /** Returns the statement that makes this session wait at most 100 ms for a row lock. */
    abstract String shortLockTimeoutSql();

    @BeforeEach
    void setUp() throws SQLException {
        registry = new SimpleMeterRegistry();
        pool = rawDataSource();
        try (Connection connection = pool.getConnection();
                Statement statement = connection.createStatement()) {
            statement.execute("DROP TABLE IF EXISTS txlease_fence"); // one from before lock modes lacks their columns
        }
        // tag::micrometer-fencing[]
        FencedDataSourceMetrics fencing = new FencedDataSourceMetrics(Tags.of("db", "orders"));
        FencedDataSource fenced =
                FencedDataSource.builder(pool).observer(fencing).build();
        fencing.bindTo(registry);
        // end::micrometer-fencing[]
        this.fenced = fenced;
        fenced.createGuardTable(); // the default guard table, txlease_fence
        client = DefaultLeaseClient.builder(DYNAMO.newStore()).owner("writer").build();
    }

    @AfterEach
    void tearDown() {
        if (client != null) {
            client.close();
        }
    }

    @Test
    void passedAndStaleChecksAreTimedByOutcome() throws SQLException {
        String name = "metrics-" + UUID.randomUUID();
        Lease older = client.acquire(name, AcquireOptions.defaults());
        older.close();
        try (Lease newer = client.acquire(name, AcquireOptions.defaults())) {
            try (Connection connection = begin(fenced.getConnection(newer))) {
                touch(connection);
                connection.commit(); // a local commit verifies the fence again: a second check
            }
            assertEquals(2, checks("passed"));

            try (Connection connection = begin(fenced.getConnection(older))) {
                StaleFenceTokenException stale = assertThrows(StaleFenceTokenException.class, () -> touch(connection));
                assertEquals(name, stale.lockName());
                connection.rollback();
            }
        }
        assertEquals(1, checks("stale"));
        assertEquals(2, checks("passed"));
        assertEquals(0, checks("conflict"));
        assertEquals(0, checks("error"));
        assertTrue(
                registry.get(FencedDataSourceMetrics.FENCE_CHECKS)
                                .tags("db", "orders", "outcome", "passed")
                                .timer()
                                .totalTime(TimeUnit.NANOSECONDS)
                        > 0,
                "the checks' latency is recorded");
    }

    @Test
    void aCheckThatTimesOutOnTheGuardRowIsAConflict() throws SQLException {
        String name = "metrics-" + UUID.randomUUID();
        try (Lease lease = client.acquire(name, AcquireOptions.defaults());
                Connection first = begin(fenced.getConnection(lease));
                Connection second = fenced.getConnection()) {
            touch(first); // its check holds the guard row's lock until it ends
            try (Statement statement = second.createStatement()) {
                statement.execute(shortLockTimeoutSql()); // no lease in effect yet: a plain session setting
            }
            second.setAutoCommit(false);
            try (LeaseBinding bound = LeaseBinding.bind(lease)) {
                assertThrows(FenceConflictException.class, () -> touch(second));
            }
            second.rollback();
            first.rollback();
        }
        assertEquals(1, checks("conflict"));
        assertEquals(1, checks("passed"));
        assertEquals(0, checks("stale"));
    }

    @Test
    void checksAreTaggedWithTheLeasesMode() throws SQLException {
        AcquireOptions concurrentWrite =
                AcquireOptions.builder().mode(LockMode.CW).build();
        try (Lease lease = client.acquire("metrics-" + UUID.randomUUID(), concurrentWrite);
                Connection connection = begin(fenced.getConnection(lease))) {
            touch(connection);
            connection.rollback();
        }
        assertEquals(
                1,
                registry.get(FencedDataSourceMetrics.FENCE_CHECKS)
                        .tags("db", "orders", "mode", "CW", "outcome", "passed")
                        .timer()
                        .count());
        assertEquals(0, checks("passed"), "no EX check");
    }

    @Test
    void aMissingGuardTableIsAnError() throws SQLException {
        FencedDataSourceMetrics metrics = new FencedDataSourceMetrics(Tags.of("db", "missing"));
        FencedDataSource unguarded = FencedDataSource.builder(pool)
                .guardTable("txl_no_such_guard")
                .observer(metrics)
                .build();
        metrics.bindTo(registry);
        try (Lease lease = client.acquire("metrics-" + UUID.randomUUID(), AcquireOptions.defaults());
                Connection connection = begin(unguarded.getConnection(lease))) {
            assertThrows(SQLException.class, () -> touch(connection));
            connection.rollback();
        }
        assertEquals(
                1,
                registry.get(FencedDataSourceMetrics.FENCE_CHECKS)
                        .tags("db", "missing", "outcome", "error")
                        .timer()
                        .count());
    }

    private long checks(String outcome) {
        return registry.get(FencedDataSourceMetrics.FENCE_CHECKS)
                .tags("db", "orders", "mode", "EX", "outcome", outcome)
                .timer()
                .count();
    }

    private static Connection begin(Connection connection) throws SQLException {
        connection.setAutoCommit(false);
        return connection;
    }

    private static void touch(Connection connection) throws SQLException {
        try (Statement statement = connection.createStatement()) {
            statement.execute("SELECT 1");
        }
    }
}
