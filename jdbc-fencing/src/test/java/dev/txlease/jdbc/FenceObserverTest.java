package dev.txlease.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.txlease.FenceToken;
import dev.txlease.Lease;
import dev.txlease.LockMode;
import dev.txlease.jdbc.jdbi.FencingConfig;
import dev.txlease.jdbc.jdbi.FencingPlugin;
import dev.txlease.jdbc.testing.Databases;
import dev.txlease.jdbc.testing.LeaseHolders;
import dev.txlease.testing.DynamoDbLocal;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.sql.DataSource;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The {@link FenceObserver} hook: each check is reported once, with its lock, token and outcome. */
class FenceObserverTest {
    @RegisterExtension
    static final DynamoDbLocal DYNAMO = DynamoDbLocal.embedded();

    private static final String GUARD = "observer_guard";
    private static LeaseHolders holders;

    private final DataSource raw = Databases.h2("observer");

    /** One reported check. */
    record Check(String lockName, FenceToken token, LockMode mode, Duration elapsed, SQLException failure) {}

    /** Records every check. */
    static final class Recorder implements FenceObserver {
        final List<Check> checks = new CopyOnWriteArrayList<>();

        @Override
        public void checked(String lockName, FenceToken token, LockMode mode, Duration elapsed, SQLException failure) {
            checks.add(new Check(lockName, token, mode, elapsed, failure));
        }
    }

    @BeforeAll
    static void startHolders() {
        holders = new LeaseHolders(DYNAMO.newStore());
    }

    @AfterAll
    static void stopHolders() {
        holders.close();
    }

    @Test
    void theDataSourceReportsAPassedAndAStaleCheck() throws SQLException {
        Recorder recorder = new Recorder();
        FencedDataSource fenced = FencedDataSource.builder(raw)
                .guardTable(GUARD)
                .observer(recorder)
                .build();
        fenced.createGuardTable();
        String name = LeaseHolders.newLockName();
        Lease stalled = holders.stallingHolder(name);
        Lease newer = holders.takeOver(name, stalled);

        try (Connection connection = fenced.getConnection(newer)) {
            connection.setAutoCommit(false);
            touch(connection);
            connection.commit(); // the commit checks the fence again
        }
        try (Connection connection = fenced.getConnection(stalled)) {
            connection.setAutoCommit(false);
            assertThrows(StaleFenceTokenException.class, () -> touch(connection));
            connection.rollback();
        }

        assertEquals(3, recorder.checks.size(), recorder.checks::toString);
        for (Check passed : recorder.checks.subList(0, 2)) {
            assertEquals(name, passed.lockName());
            assertEquals(newer.fenceToken(), passed.token());
            assertEquals(LockMode.EX, passed.mode());
            assertNull(passed.failure());
        }
        Check stale = recorder.checks.get(2);
        assertEquals(stalled.fenceToken(), stale.token());
        assertInstanceOf(StaleFenceTokenException.class, stale.failure());
    }

    @Test
    void theJdbiPluginReportsToItsObserverAndAThrowingObserverChangesNothing() throws SQLException {
        FencedDataSource.builder(raw).guardTable(GUARD).build().createGuardTable();
        Recorder recorder = new Recorder();
        Jdbi jdbi = Jdbi.create(raw);
        jdbi.installPlugin(new FencingPlugin());
        jdbi.getConfig(FencingConfig.class).setGuardTable(GUARD).setObserver(recorder);
        String name = LeaseHolders.newLockName();
        Lease lease = holders.stallingHolder(name);

        try (LeaseBinding binding = LeaseBinding.bind(lease)) {
            jdbi.useTransaction(handle -> handle.execute("SELECT 1"));
        }
        assertEquals(2, recorder.checks.size(), "the statement's check and the commit's");
        assertEquals(name, recorder.checks.get(0).lockName());
        assertNull(recorder.checks.get(0).failure());

        jdbi.getConfig(FencingConfig.class).setObserver(new FenceObserver() {
            @Override
            public void checked(
                    String lockName, FenceToken token, LockMode mode, Duration elapsed, SQLException failure) {
                throw new IllegalStateException("a broken observer");
            }
        });
        try (LeaseBinding binding = LeaseBinding.bind(lease)) {
            Integer one = jdbi.inTransaction(handle ->
                    handle.createQuery("SELECT 1").mapTo(Integer.class).one());
            assertEquals(Integer.valueOf(1), one, "the check passed and the statement ran");
        }
        assertEquals(2, recorder.checks.size(), "the replaced observer is no longer told");
    }

    private static void touch(Connection connection) throws SQLException {
        try (Statement statement = connection.createStatement()) {
            statement.execute("SELECT 1");
        }
    }
}
