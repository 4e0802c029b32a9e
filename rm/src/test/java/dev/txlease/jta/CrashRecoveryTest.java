package dev.txlease.jta;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.arjuna.ats.arjuna.recovery.RecoveryManager;
import com.arjuna.ats.internal.jta.recovery.arjunacore.XARecoveryModule;
import com.arjuna.ats.jta.recovery.XAResourceRecoveryHelper;
import dev.txlease.AcquireOptions;
import dev.txlease.client.DefaultLeaseClient;
import dev.txlease.dynamodb.DynamoDbLeaseStore;
import dev.txlease.internal.ManagedLease;
import dev.txlease.spi.LeaseRecord;
import dev.txlease.testing.ChildJvm;
import dev.txlease.testing.DynamoDbLocal;
import jakarta.transaction.TransactionManager;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import javax.transaction.xa.Xid;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Crash recovery under Narayana: a child JVM prepares a lease and an H2 row and dies before
 * committing them; this JVM, over the same object store and node identity, plays the restarted
 * process and runs recovery. DynamoDB Local runs as an HTTP server and H2 as a file database under
 * {@code target/}, so both processes reach them.
 */
class CrashRecoveryTest {
    @RegisterExtension
    static final DynamoDbLocal DYNAMO = DynamoDbLocal.server();

    @Test
    void crashBetweenPrepareAndCommitIsCompletedByRecoveryExactlyOnce() throws Exception {
        String lock = "crash-lock";
        String node = "crash-node";
        DynamoDbLeaseStore store = DYNAMO.newStore();
        Path directory = Files.createDirectories(
                        Path.of("target", "jta-crash", UUID.randomUUID().toString()))
                .toAbsolutePath();
        String h2Url = "jdbc:h2:file:" + directory.resolve("db");

        runCrashingChild(directory, store, h2Url, lock, node);

        LeaseRecord prepared = store.read(lock).orElseThrow();
        assertNotNull(prepared.transactionId(), prepared::toString);
        assertEquals(node + "/crashing", prepared.owner());
        assertFalse(prepared.released());
        try (H2Xa database = new H2Xa(h2Url)) {
            assertEquals(Optional.empty(), database.committedFence(lock), "the row is in doubt, not committed");
            CountingLeaseStore counting = new CountingLeaseStore(store);

            withHelpers(List.of(LeaseRecoveryHelper.of(counting, node), database.recoveryHelper()), recovery -> {
                recovery.scan();
                assertReleased(store, lock);
                assertEquals(1, counting.transactionalReleases(lock));
                assertEquals(Optional.of(prepared.fence()), database.committedFence(lock));

                recovery.scan(); // a replay finds nothing left to do
                assertEquals(1, counting.transactionalReleases(lock), "released exactly once");
                assertReleased(store, lock);
            });
        }
    }

    @Test
    void preparedLeaseWithoutTransactionLogIsRolledBackByRecovery() throws Exception {
        TransactionManager transactionManager = Narayana.transactionManager();
        transactionManager.begin();
        ScriptedXAResource probe = new ScriptedXAResource(null);
        transactionManager.getTransaction().enlistResource(probe);
        transactionManager.rollback();
        Xid orphan = probe.started(); // a branch of this Narayana node whose transaction left no log

        DynamoDbLeaseStore store = DYNAMO.newStore();
        CountingLeaseStore counting = new CountingLeaseStore(store);
        try (DefaultLeaseClient client =
                DefaultLeaseClient.builder(store).node("orphan-node").build()) {
            ManagedLease lease = (ManagedLease) client.tryAcquire(
                            "orphan",
                            AcquireOptions.builder()
                                    .heartbeatPeriod(Duration.ZERO)
                                    .build())
                    .orElseThrow();
            lease.prepare(XidCodec.encode(orphan), lease.leaseDuration()); // then the process "dies"
        }

        RecordingRecoveryHelper leases = new RecordingRecoveryHelper(LeaseRecoveryHelper.of(counting, "orphan-node"));
        withHelpers(List.of(leases), recovery -> {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
            while (!store.read("orphan").orElseThrow().released() && System.nanoTime() - deadline < 0) {
                recovery.scan(); // Narayana rolls an orphan back once it has seen it in two scans
            }
            assertReleased(store, "orphan");
            assertEquals(1, counting.transactionalReleases("orphan"));
            assertEquals(List.of("rollback"), leases.calls(), "presumed abort");
        });
    }

    private static void runCrashingChild(
            Path directory, DynamoDbLeaseStore store, String h2Url, String lock, String node)
            throws IOException, InterruptedException {
        ChildJvm.run(
                CrashingCommit.class,
                List.of(
                        Narayana.objectStore().toString(),
                        DYNAMO.endpoint().toString(),
                        store.tableName(),
                        h2Url,
                        lock,
                        node),
                directory.resolve("child.log"),
                ScriptedXAResource.HALT_STATUS,
                60);
    }

    private static void withHelpers(List<XAResourceRecoveryHelper> helpers, RecoveryCheck check) throws Exception {
        RecoveryManager recovery = Narayana.recoveryManager();
        XARecoveryModule module = Narayana.xaRecoveryModule();
        helpers.forEach(module::addXAResourceRecoveryHelper);
        try {
            check.run(recovery);
        } finally {
            helpers.forEach(module::removeXAResourceRecoveryHelper);
        }
    }

    private static void assertReleased(DynamoDbLeaseStore store, String lock) {
        LeaseRecord record = store.read(lock).orElseThrow();
        assertTrue(record.released(), record::toString);
        assertNull(record.transactionId(), record::toString);
    }

    @FunctionalInterface
    private interface RecoveryCheck {
        void run(RecoveryManager recovery) throws Exception;
    }
}
