package dev.txlease.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.arjuna.ats.arjuna.common.ObjectStoreEnvironmentBean;
import com.arjuna.ats.jta.recovery.XAResourceRecoveryHelper;
import com.arjuna.common.internal.util.propertyservice.BeanPopulator;
import dev.txlease.Lease;
import dev.txlease.dynamodb.DynamoDbLeaseStore;
import dev.txlease.jta.narayana.LeaseRecoveryHelper;
import dev.txlease.reliability.FencedCounter.Outcome;
import dev.txlease.spi.LeaseRecord;
import dev.txlease.testing.Await;
import dev.txlease.testing.ChildJvm;
import dev.txlease.testing.DynamoDbLocal;
import dev.txlease.testing.HaltingXAResource;
import dev.txlease.testing.InProcessNarayana;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.sql.XAConnection;
import javax.transaction.xa.XAResource;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Scenario 7, the part {@code dev.txlease.jta.CrashRecoveryTest} (in rm) does not cover: the
 * transaction manager crashes after prepare, before commit, and a new holder takes the lease over
 * <em>before</em> recovery runs. A child JVM prepares a lease and a fenced {@link WriteHistory}
 * increment and halts; this JVM, over the same Narayana object store, plays the restarted process.
 *
 * <p>What must hold: the new holder's fenced write waits for the in-doubt branch (its guard row stays
 * locked across the crash), recovery commits the crashed transaction's write and leaves the new
 * holder's lease item untouched (the lease branch is completed without a release: it was taken
 * over), and the new holder's write then lands after it, so the history stays monotone.
 */
class CrashRecoveryTakeoverTest {
    @RegisterExtension
    static final DynamoDbLocal DYNAMO = DynamoDbLocal.server();

    @RegisterExtension
    static final InProcessNarayana NARAYANA = new InProcessNarayana();

    private static final String NODE = "reliability-crash-node";

    @Test
    void recoveryAfterATakeoverCommitsTheInDoubtWriteFirstAndLeavesTheNewHolderAlone() throws Exception {
        crashTakeOverAndRecover();
    }

    /**
     * Regression test for a bug this suite found: the lease branch of a transaction whose lease was
     * taken over before recovery was never completed, so Narayana kept the transaction's log and
     * warned ARJUNA016037/016038 on every recovery scan (recovery listed only the leases that still
     * recorded the transaction, and the takeover cleared it). The store now keeps every prepared
     * branch apart from its locks until it is completed, so recovery lists it after a takeover too and
     * completes it; the lock no longer carries the transaction, so that completion changes nothing on
     * the new holder's item.
     */
    @Test
    void recoveryForgetsTheTransactionWhoseLeaseWasTakenOver() throws Exception {
        String transaction = crashTakeOverAndRecover();
        assertEquals(List.of(), loggedTransactions(transaction), "the transaction's log outlived recovery");
    }

    /** Runs the whole scenario and returns the Narayana uid of the crashed transaction. */
    private String crashTakeOverAndRecover() throws Exception {
        String lock = "crash-" + UUID.randomUUID();
        DynamoDbLeaseStore store = DYNAMO.newStore();
        Path directory = Files.createDirectories(
                        Path.of("target", "reliability-crash", UUID.randomUUID().toString()))
                .toAbsolutePath();
        String url = "jdbc:h2:file:" + directory.resolve("db") + ";LOCK_TIMEOUT=60000";
        JdbcDataSource database = new JdbcDataSource();
        database.setURL(url);
        database.setUser("sa");
        FencedCounter counter = FencedCounter.create(database, "rel_crash", Connection.TRANSACTION_NONE);
        counter.addLock(lock);

        String transaction = runCrashingChild(directory, store, url, lock);

        LeaseRecord prepared = store.read(lock).orElseThrow();
        assertNotNull(prepared.transactionId(), prepared::toString);
        assertEquals(NODE + "/crashing", prepared.owner());
        assertEquals(0, counter.counter(lock), "the crashed write is in doubt, not committed");

        PausableStore recoveryStore = new PausableStore(store);
        ExecutorService successor = Executors.newSingleThreadExecutor();
        try (Taker taker = new Taker(store, "successor")) {
            Lease next = taker.takeOver(lock, prepared.leaseDuration()); // the crashed lease ran out
            assertEquals(prepared.fence() + 1, next.fenceToken().value());
            LeaseRecord taken = store.read(lock).orElseThrow();
            assertNull(taken.transactionId(), "a grant clears the recorded transaction");
            Future<Outcome> write = successor.submit(() -> counter.increment(next, "successor"));
            Await.until(
                    "the successor's fence check waits for the in-doubt branch",
                    () -> H2Sessions.waitingOnGuard(database, counter.guardTable()) || write.isDone());
            assertFalse(write.isDone(), "the successor wrote past an in-doubt branch of an older fence");

            InProcessNarayana.withRecoveryHelpers(
                    List.of(LeaseRecoveryHelper.of(recoveryStore, NODE), h2Recovery(database)), recovery -> {
                        recovery.scan();
                        assertEquals(Outcome.COMMITTED, write.get(60, TimeUnit.SECONDS));
                        recovery.scan(); // a replay finds nothing left to do
                    });
            assertEquals(0, recoveryStore.succeeded("completeTransaction"), "recovery released the new holder");
            assertEquals(taken, store.read(lock).orElseThrow(), "recovery changed the new holder's item");
            assertTrue(taker.client().release(next));
        } finally {
            successor.shutdownNow();
        }
        List<WriteHistory.Write> writes = counter.history().writes(database, lock);
        assertEquals(
                List.of(
                        new WriteHistory.Write(1, prepared.fence(), "crashed"),
                        new WriteHistory.Write(2, prepared.fence() + 1, "successor")),
                writes,
                "the in-doubt write is committed, and first");
        counter.check().assertSafe();
        return transaction;
    }

    /** Returns the files of Narayana's object store that hold the log of {@code transaction}. */
    private static List<Path> loggedTransactions(String transaction) throws IOException {
        Path store = Path.of(BeanPopulator.getDefaultInstance(ObjectStoreEnvironmentBean.class)
                .getObjectStoreDir());
        try (Stream<Path> files = Files.walk(store)) {
            return files.filter(file -> file.getFileName().toString().equals(transaction))
                    .toList();
        }
    }

    /** Runs the crashing child JVM and returns the Narayana uid of its transaction (as a file name). */
    private static String runCrashingChild(Path directory, DynamoDbLeaseStore store, String url, String lock)
            throws IOException, InterruptedException {
        String output = ChildJvm.run(
                CrashingFencedCommit.class,
                List.of(
                        InProcessNarayana.objectStore().toString(),
                        InProcessNarayana.NODE,
                        DYNAMO.endpoint().toString(),
                        store.tableName(),
                        url,
                        lock,
                        NODE,
                        "rel_crash"),
                directory.resolve("child.log"),
                HaltingXAResource.HALT_STATUS,
                90);
        Matcher uid = Pattern.compile("tx_uid=([0-9a-f:]+)").matcher(output);
        assertTrue(uid.find(), () -> "the child did not print its transaction: " + output);
        return uid.group(1).replace(':', '_');
    }

    private static XAResourceRecoveryHelper h2Recovery(JdbcDataSource database) {
        List<XAConnection> opened = new ArrayList<>();
        return new XAResourceRecoveryHelper() {
            @Override
            public boolean initialise(String parameter) {
                return true;
            }

            @Override
            public XAResource[] getXAResources() throws SQLException {
                XAConnection connection = database.getXAConnection();
                opened.add(connection);
                return new XAResource[] {connection.getXAResource()};
            }
        };
    }
}
