package dev.txlease.jta;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.txlease.AcquireOptions;
import dev.txlease.LockMode;
import dev.txlease.client.DefaultLeaseClient;
import dev.txlease.dynamodb.DynamoDbLeaseStore;
import dev.txlease.internal.ManagedLease;
import dev.txlease.jta.narayana.LeaseRecoveryHelper;
import dev.txlease.spi.GrantRequest;
import dev.txlease.spi.LeaseRecord;
import dev.txlease.spi.StoreResult;
import dev.txlease.testing.ChildJvm;
import dev.txlease.testing.DynamoDbLocal;
import dev.txlease.testing.HaltingXAResource;
import dev.txlease.testing.InProcessNarayana;
import dev.txlease.testing.IsolatedRecovery;
import jakarta.transaction.TransactionManager;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import javax.transaction.xa.XAResource;
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

            InProcessNarayana.withRecoveryHelpers(
                    List.of(LeaseRecoveryHelper.of(counting, node), database.recoveryHelper()), recovery -> {
                        recovery.scan();
                        assertReleased(store, lock);
                        assertEquals(1, counting.transactionalReleases(lock));
                        assertEquals(Optional.of(prepared.fence()), database.committedFence(lock));
                        assertEquals(List.of(), store.findPrepared(node), "the branch is forgotten");

                        recovery.scan(); // a replay finds nothing left to do
                        assertEquals(1, counting.transactionalReleases(lock), "released exactly once");
                        assertReleased(store, lock);
                    });
        }
    }

    @Test
    void preparedLeaseWithoutTransactionLogIsRolledBackByRecovery() throws Exception {
        TransactionManager transactionManager = InProcessNarayana.transactionManager();
        transactionManager.begin();
        ScriptedXAResource probe = new ScriptedXAResource(null);
        transactionManager.getTransaction().enlistResource(probe);
        transactionManager.rollback();
        Xid orphan = probe.started(); // a branch of this Narayana node whose transaction left no log

        DynamoDbLeaseStore store = DYNAMO.newStore();
        CountingLeaseStore counting = new CountingLeaseStore(store);
        try (DefaultLeaseClient client =
                DefaultLeaseClient.builder(store).node("orphan-node").build()) {
            LeaseXAResource branch = new LeaseXAResource(store, "orphan-node", new PublishedLeases());
            branch.start(orphan, XAResource.TMNOFLAGS);
            ManagedLease lease = (ManagedLease) client.tryAcquire(
                            "orphan",
                            AcquireOptions.builder()
                                    .heartbeatPeriod(Duration.ZERO)
                                    .build())
                    .orElseThrow();
            branch.add(new TransactionalLease(lease, branch, true));
            branch.end(orphan, XAResource.TMSUCCESS);
            branch.prepare(orphan); // then the process "dies" before the transaction manager logs anything
        }

        RecordingRecoveryHelper leases = new RecordingRecoveryHelper(LeaseRecoveryHelper.of(counting, "orphan-node"));
        InProcessNarayana.withRecoveryHelpers(List.of(leases), recovery -> {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
            while (!store.read("orphan").orElseThrow().released() && System.nanoTime() - deadline < 0) {
                recovery.scan(); // Narayana rolls an orphan back once it has seen it in two scans
            }
            assertReleased(store, "orphan");
            assertEquals(1, counting.transactionalReleases("orphan"));
            assertEquals(List.of("rollback"), leases.calls(), "presumed abort");
            assertEquals(List.of(), store.findPrepared("orphan-node"), "the branch is forgotten");
        });
    }

    // Issue 16: recovery completes a prepared branch whose lease is held in a shared mode.
    @Test
    void preparedSharedModeBranchIsCompletedByRecovery() throws Exception {
        TransactionManager transactionManager = InProcessNarayana.transactionManager();
        transactionManager.begin();
        ScriptedXAResource probe = new ScriptedXAResource(null);
        transactionManager.getTransaction().enlistResource(probe);
        transactionManager.rollback();
        Xid orphan = probe.started();

        DynamoDbLeaseStore store = DYNAMO.newStore();
        CountingLeaseStore counting = new CountingLeaseStore(store);
        AcquireOptions reader = AcquireOptions.builder()
                .mode(LockMode.PR)
                .heartbeatPeriod(Duration.ZERO)
                .build();
        try (DefaultLeaseClient client =
                        DefaultLeaseClient.builder(store).node("shared-node").build();
                DefaultLeaseClient other =
                        DefaultLeaseClient.builder(store).node("other-node").build()) {
            other.tryAcquire("shared", reader).orElseThrow();
            LeaseXAResource branch = new LeaseXAResource(store, "shared-node", new PublishedLeases());
            branch.start(orphan, XAResource.TMNOFLAGS);
            ManagedLease lease =
                    (ManagedLease) client.tryAcquire("shared", reader).orElseThrow();
            branch.add(new TransactionalLease(lease, branch, true));
            branch.end(orphan, XAResource.TMSUCCESS);
            branch.prepare(orphan); // then the process "dies" before the transaction manager logs anything
            LeaseRecord prepared = store.read("shared").orElseThrow();
            assertEquals(
                    1,
                    prepared.holders().stream()
                            .filter(holder -> holder.transactionId() != null)
                            .count(),
                    prepared::toString);
            assertEquals(
                    lease.holder(), store.findPrepared("shared-node").get(0).holder("shared"));

            RecordingRecoveryHelper leases =
                    new RecordingRecoveryHelper(LeaseRecoveryHelper.of(counting, "shared-node"));
            InProcessNarayana.withRecoveryHelpers(List.of(leases), recovery -> {
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
                while (store.read("shared").orElseThrow().holders().size() > 1 && System.nanoTime() - deadline < 0) {
                    recovery.scan();
                }
                assertEquals(1, counting.transactionalReleases("shared"));
                LeaseRecord after = store.read("shared").orElseThrow();
                assertEquals(1, after.holders().size(), after::toString);
                assertNull(after.holders().get(0).transactionId(), "the other reader is untouched");
                assertEquals(List.of(), store.findPrepared("shared-node"), "the branch is forgotten");
            });
        }
    }

    /**
     * Issue 12, item 3: the lease branch of a transaction that crashed after prepare, whose lease was
     * then taken over, is completed by a transaction manager that cannot load any txlease class (as in
     * an application server, whose recovery runs before deployments start): the recovery child's
     * Narayana sees only its own libraries, and txlease arrives later, in a class loader below it, with
     * the recovery helpers. Before the fix Narayana's log held a serialized txlease object it could
     * not read, and after the takeover the branch was never listed again: the log stayed for good.
     */
    @Test
    void recoveryWithoutTxleaseClassesCompletesABranchWhoseLeaseWasTakenOver() throws Exception {
        String lock = "isolated-lock";
        String node = "isolated-node";
        DynamoDbLeaseStore store = DYNAMO.newStore();
        Path directory = Files.createDirectories(
                        Path.of("target", "jta-isolated", UUID.randomUUID().toString()))
                .toAbsolutePath();
        Path objectStore = directory.resolve("ObjectStore");
        String h2Url = "jdbc:h2:file:" + directory.resolve("db");
        new H2Xa(h2Url).close(); // creates the table

        ChildJvm.run(
                CrashingCommit.class,
                List.of(objectStore.toString(), DYNAMO.endpoint().toString(), store.tableName(), h2Url, lock, node),
                directory.resolve("crash.log"),
                HaltingXAResource.HALT_STATUS,
                60);
        LeaseRecord prepared = store.read(lock).orElseThrow();
        assertNotNull(prepared.transactionId(), prepared::toString);
        assertEquals(1, store.findPrepared(node).size());
        StoreResult takeover = store.tryGrant(new GrantRequest(
                lock, "successor", "node-s", "successor-version", Duration.ofMinutes(5), null, prepared.version()));
        assertTrue(takeover.succeeded(), "the crashed lease is taken over before recovery runs");
        LeaseRecord taken = store.read(lock).orElseThrow();
        assertNull(taken.transactionId());
        assertFalse(transactionLogs(objectStore).isEmpty(), "the crashed transaction left its log");

        List<List<String>> classPath = IsolatedRecovery.splitClassPath();
        String transactionManagerClassPath = String.join(
                File.pathSeparator,
                IsolatedRecovery.classPathDirectory(directory.resolve("tm-classes"))
                        .toString(),
                String.join(File.pathSeparator, classPath.get(1)));
        String output = ChildJvm.run(
                transactionManagerClassPath,
                IsolatedRecovery.class,
                List.of(
                        objectStore.toString(),
                        InProcessNarayana.NODE,
                        String.join(File.pathSeparator, classPath.get(0)),
                        RecoveryDeployment.class.getName(),
                        DYNAMO.endpoint().toString(),
                        store.tableName(),
                        node,
                        h2Url),
                directory.resolve("recovery.log"),
                0,
                90);

        assertTrue(output.contains("transaction manager class loader cannot see txlease"), output);
        assertFalse(output.contains("ARJUNA016037") || output.contains("ARJUNA016038"), output);
        assertEquals(List.of(), transactionLogs(objectStore), "the crashed transaction's log outlived recovery");
        assertEquals(taken, store.read(lock).orElseThrow(), "recovery changed the new holder's item");
        assertEquals(List.of(), store.findPrepared(node), "the branch is still listed");
        try (H2Xa database = new H2Xa(h2Url)) {
            assertEquals(Optional.of(prepared.fence()), database.committedFence(lock), "the in-doubt row committed");
        }
    }

    /** Returns the transaction logs in Narayana's object store {@code directory}. */
    private static List<Path> transactionLogs(Path directory) throws IOException {
        if (!Files.exists(directory)) {
            return List.of();
        }
        try (Stream<Path> files = Files.walk(directory)) {
            return files.filter(Files::isRegularFile)
                    .filter(file -> file.toString().contains("AtomicAction"))
                    .toList();
        }
    }

    private static void runCrashingChild(
            Path directory, DynamoDbLeaseStore store, String h2Url, String lock, String node)
            throws IOException, InterruptedException {
        ChildJvm.run(
                CrashingCommit.class,
                List.of(
                        InProcessNarayana.objectStore().toString(),
                        DYNAMO.endpoint().toString(),
                        store.tableName(),
                        h2Url,
                        lock,
                        node),
                directory.resolve("child.log"),
                HaltingXAResource.HALT_STATUS,
                60);
    }

    private static void assertReleased(DynamoDbLeaseStore store, String lock) {
        LeaseRecord record = store.read(lock).orElseThrow();
        assertTrue(record.released(), record::toString);
        assertNull(record.transactionId(), record::toString);
    }
}
