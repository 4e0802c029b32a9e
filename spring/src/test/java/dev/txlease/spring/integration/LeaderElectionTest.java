package dev.txlease.spring.integration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.txlease.Lease;
import dev.txlease.client.DefaultLeaseClient;
import dev.txlease.jdbc.FencedDataSource;
import dev.txlease.jdbc.StaleFenceTokenException;
import dev.txlease.jdbc.testing.Databases;
import dev.txlease.spi.LeaseStore;
import dev.txlease.spring.SpringTestKitAccess;
import dev.txlease.testing.Await;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.springframework.integration.leader.Candidate;
import org.springframework.integration.leader.Context;
import org.springframework.integration.support.leader.LockRegistryLeaderInitiator;

/** Leader election across two {@link TxleaseLockRegistry}s: one leader at a time, takeover after a pause, fenced writes. */
class LeaderElectionTest {
    private static final String ROLE = "leader";

    private final DataSource database = Databases.h2("spring_leader");
    private final AtomicInteger leaders = new AtomicInteger();
    private final AtomicInteger maxLeaders = new AtomicInteger();

    /** A candidate that, once granted, writes one fenced row with its lease. */
    private final class Node implements Candidate {
        final String id;
        final TxleaseLockRegistry registry;
        final FencedDataSource fenced;
        final AtomicReference<Lease> lease = new AtomicReference<>();
        final AtomicInteger grants = new AtomicInteger();
        volatile boolean leading;

        Node(String id, TxleaseLockRegistry registry, FencedDataSource fenced) {
            this.id = id;
            this.registry = registry;
            this.fenced = fenced;
        }

        @Override
        public String getRole() {
            return ROLE;
        }

        @Override
        public String getId() {
            return id;
        }

        @Override
        public void onGranted(Context context) {
            int now = leaders.incrementAndGet();
            maxLeaders.accumulateAndGet(now, Math::max);
            leading = true;
            Lease held = registry.obtain(ROLE).lease(); // this thread holds the lock
            lease.set(held);
            try {
                write(fenced, held, id);
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
            grants.incrementAndGet();
        }

        @Override
        public void onRevoked(Context context) {
            if (leading) {
                leading = false;
                leaders.decrementAndGet();
            }
        }
    }

    @Test
    void oneLeaderAtATimeTakeoverAfterAPauseAndTheStaleLeadersWriteIsRejected() throws Exception {
        try (Connection connection = database.getConnection();
                Statement statement = connection.createStatement()) {
            statement.execute("DROP TABLE IF EXISTS leader_log");
            statement.execute("DROP TABLE IF EXISTS leader_guard");
            statement.execute("CREATE TABLE leader_log (node VARCHAR(20), token BIGINT)");
        }
        FencedDataSource fenced =
                FencedDataSource.builder(database).guardTable("leader_guard").build();
        fenced.createGuardTable();
        LeaseStore store = SpringTestKitAccess.dynamo().newStore();
        DefaultLeaseClient clientA =
                DefaultLeaseClient.builder(store).owner("node-A").build();
        DefaultLeaseClient clientB =
                DefaultLeaseClient.builder(store).owner("node-B").build();
        Duration ttl = Duration.ofMillis(600);
        try (TxleaseLockRegistry registryA = new TxleaseLockRegistry(clientA, ttl);
                TxleaseLockRegistry registryB = new TxleaseLockRegistry(clientB, ttl)) {
            Node nodeA = new Node("A", registryA, fenced);
            Node nodeB = new Node("B", registryB, fenced);
            LockRegistryLeaderInitiator initiatorA = initiator(registryA, nodeA);
            LockRegistryLeaderInitiator initiatorB = initiator(registryB, nodeB);
            try {
                initiatorA.start();
                waitFor(() -> nodeA.grants.get() == 1, "A to lead");
                initiatorB.start();
                assertEquals(0, nodeB.grants.get(), "B cannot lead while A renews");

                // A's process stalls: its heartbeats stop (the client closes without releasing).
                clientA.close();
                waitFor(() -> nodeB.grants.get() == 1, "B to take over after A's lease ran out");
                Lease stale = nodeA.lease.get();
                Lease current = nodeB.lease.get();
                assertNotNull(current);
                assertTrue(current.fenceToken().value() > stale.fenceToken().value());

                // A wakes up and writes with its old lease: the database refuses.
                StaleFenceTokenException rejected =
                        assertThrows(StaleFenceTokenException.class, () -> write(fenced, stale, "A-late"));
                assertEquals(ROLE, rejected.lockName());
                waitFor(() -> !nodeA.leading, "A to notice it lost the leadership");
                assertEquals(1, maxLeaders.get(), "never two leaders at once");
                assertEquals(2, rows(), "A's and B's writes only");
            } finally {
                initiatorB.stop();
                initiatorA.stop();
                clientB.close();
            }
        }
    }

    private static LockRegistryLeaderInitiator initiator(TxleaseLockRegistry registry, Candidate candidate) {
        LockRegistryLeaderInitiator initiator = new LockRegistryLeaderInitiator(registry, candidate);
        initiator.setHeartBeatMillis(100);
        initiator.setBusyWaitMillis(50);
        return initiator;
    }

    private static void write(FencedDataSource fenced, Lease lease, String node) throws SQLException {
        try (Connection connection = fenced.getConnection(lease)) {
            connection.setAutoCommit(false);
            try (PreparedStatement insert = connection.prepareStatement("INSERT INTO leader_log VALUES (?, ?)")) {
                insert.setString(1, node);
                insert.setLong(2, lease.fenceToken().value());
                insert.executeUpdate();
                connection.commit();
            } catch (SQLException e) {
                connection.rollback();
                throw e;
            }
        }
    }

    private int rows() throws SQLException {
        try (Connection connection = database.getConnection();
                Statement statement = connection.createStatement();
                ResultSet count = statement.executeQuery("SELECT COUNT(*) FROM leader_log")) {
            count.next();
            return count.getInt(1);
        }
    }

    private static void waitFor(BooleanSupplier condition, String what) {
        Await.until(what, condition);
    }
}
