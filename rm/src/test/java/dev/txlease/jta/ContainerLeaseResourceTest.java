package dev.txlease.jta;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.arjuna.ats.arjuna.common.Uid;
import com.arjuna.ats.jta.xa.XidImple;
import dev.txlease.AcquireOptions;
import dev.txlease.Lease;
import dev.txlease.LeaseState;
import dev.txlease.TransactionLeases;
import dev.txlease.client.DefaultLeaseClient;
import dev.txlease.dynamodb.DynamoDbLeaseStore;
import dev.txlease.spi.LeaseRecord;
import dev.txlease.testing.DynamoDbLocal;
import dev.txlease.testing.InProcessNarayana;
import jakarta.transaction.Transaction;
import jakarta.transaction.TransactionManager;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import javax.transaction.xa.XAException;
import javax.transaction.xa.XAResource;
import javax.transaction.xa.Xid;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@link ContainerLeaseResources} with Narayana playing the container: the test enlists the
 * connections' resources itself, as a Jakarta Connectors container does.
 */
class ContainerLeaseResourceTest {
    @RegisterExtension
    static final DynamoDbLocal DYNAMO = DynamoDbLocal.embedded();

    private static final TransactionManager TM = InProcessNarayana.transactionManager();

    private DynamoDbLeaseStore store;
    private DefaultLeaseClient client;
    private ContainerLeaseResources resources;

    @BeforeEach
    void setUp() {
        store = DYNAMO.newStore();
        client = DefaultLeaseClient.builder(store).node("node-a").build();
        resources = ContainerLeaseResources.of(client, InProcessNarayana.registry());
    }

    @AfterEach
    void tearDown() throws Exception {
        if (TM.getTransaction() != null) {
            TM.rollback();
        }
        client.close();
    }

    /**
     * Issue 12, item 1, in the container path: the container enlists the lease branch when the
     * connection is obtained, before the database branches, so Narayana commits it first; the lease
     * is still released only after every branch has completed.
     */
    @Test
    void theNextHolderIsNeverGrantedWhileAnotherBranchIsStillCommitting() throws Exception {
        CountDownLatch inCommit = new CountDownLatch(1);
        CountDownLatch finishCommit = new CountDownLatch(1);
        ScriptedXAResource slow = new ScriptedXAResource(null, () -> {
            inCommit.countDown();
            try {
                finishCommit.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        ContainerLeaseResource connection = resources.newResource();
        TM.begin();
        Transaction transaction = TM.getTransaction();
        assertTrue(transaction.enlistResource(connection));
        Lease lease = connection
                .acquire("container-ordered", AcquireOptions.defaults(), true)
                .orElseThrow();
        assertTrue(transaction.enlistResource(slow));
        TM.suspend();

        ExecutorService committer = Executors.newSingleThreadExecutor();
        try (DefaultLeaseClient rival =
                DefaultLeaseClient.builder(store).node("node-b").build()) {
            Future<?> commit = committer.submit(() -> {
                TM.resume(transaction);
                TM.commit();
                return null;
            });
            assertTrue(inCommit.await(30, TimeUnit.SECONDS), "the second branch reached its commit");
            assertEquals(Optional.empty(), rival.tryAcquire("container-ordered", AcquireOptions.defaults()));
            LeaseRecord held = store.read("container-ordered").orElseThrow();
            assertFalse(held.released(), held::toString);

            finishCommit.countDown();
            commit.get(30, TimeUnit.SECONDS);
            assertEquals(LeaseState.RELEASED, lease.state());
            assertTrue(rival.tryAcquire("container-ordered", AcquireOptions.defaults())
                    .isPresent());
        } finally {
            finishCommit.countDown();
            committer.shutdownNow();
        }
        assertEquals(List.of("start", "end", "prepare", "commit"), slow.calls());
    }

    @Test
    void twoConnectionsJoinOneBranchThatCommitRelease() throws Exception {
        ContainerLeaseResource first = resources.newResource();
        ContainerLeaseResource second = resources.newResource();
        TM.begin();
        Transaction transaction = TM.getTransaction();
        assertTrue(transaction.enlistResource(first));
        assertTrue(transaction.enlistResource(second)); // isSameRM: Narayana starts it with TMJOIN
        Lease a = first.acquire("container-a", AcquireOptions.defaults(), true).orElseThrow();
        Lease b = second.acquire("container-b", AcquireOptions.defaults(), true).orElseThrow();
        @SuppressWarnings("unchecked")
        Collection<Lease> published =
                (Collection<Lease>) InProcessNarayana.registry().getResource(TransactionLeases.REGISTRY_KEY);
        assertEquals(List.of(a, b), List.copyOf(published));
        assertEquals(1, resources.openBranches());
        assertTrue(first.isSameRM(second));
        assertFalse(first.isSameRM(
                ContainerLeaseResources.of(client, InProcessNarayana.registry()).newResource()));
        TM.commit();

        assertEquals(LeaseState.RELEASED, a.state());
        assertEquals(LeaseState.RELEASED, b.state());
        assertTrue(store.read("container-a").orElseThrow().released());
        assertTrue(store.read("container-b").orElseThrow().released());
        assertEquals(0, resources.openBranches());
        assertFalse(first.isAssociated());
        assertFalse(second.isAssociated());
    }

    @Test
    void aPooledConnectionServesTheNextTransactionAfterRollback() throws Exception {
        ContainerLeaseResource connection = resources.newResource();
        TM.begin();
        TM.getTransaction().enlistResource(connection);
        Lease first = connection
                .acquire("container-pooled", AcquireOptions.defaults(), true)
                .orElseThrow();
        TM.rollback();
        assertEquals(LeaseState.RELEASED, first.state());

        TM.begin();
        TM.getTransaction().enlistResource(connection);
        Lease second = connection
                .acquire("container-pooled", AcquireOptions.defaults(), true)
                .orElseThrow();
        assertTrue(second.fenceToken().compareTo(first.fenceToken()) > 0);
        TM.commit();
        assertTrue(store.read("container-pooled").orElseThrow().released());
        assertEquals(0, resources.openBranches());
    }

    @Test
    void outsideABranchALeaseIsPlain() {
        ContainerLeaseResource connection = resources.newResource();
        try (Lease lease = connection
                .acquire("container-plain", AcquireOptions.defaults(), true)
                .orElseThrow()) {
            assertEquals(LeaseState.HELD, lease.state());
        }
        assertTrue(store.read("container-plain").orElseThrow().released());
    }

    @Test
    void aSuspendedBranchResumesOnTheSameResourceAndTheAssociationFollowsTheXaVerbs() throws Exception {
        ContainerLeaseResource connection = resources.newResource();
        Xid xid = new XidImple(new Uid());
        assertEquals(
                XAException.XAER_PROTO,
                assertThrows(XAException.class, () -> connection.start(xid, XAResource.TMNOFLAGS)).errorCode,
                "start outside the transaction's thread");
        TM.begin(); // the container starts the branch on the transaction's thread
        connection.start(xid, XAResource.TMNOFLAGS);
        assertEquals(
                XAException.XAER_DUPID,
                assertThrows(XAException.class, () -> resources.newResource().start(xid, XAResource.TMNOFLAGS))
                        .errorCode);
        assertEquals(
                XAException.XAER_PROTO,
                assertThrows(XAException.class, () -> connection.start(new XidImple(new Uid()), XAResource.TMNOFLAGS))
                        .errorCode);
        connection.end(xid, XAResource.TMSUSPEND);
        assertFalse(connection.isAssociated());
        assertEquals(
                XAException.XAER_PROTO,
                assertThrows(XAException.class, () -> connection.end(xid, XAResource.TMSUCCESS)).errorCode);
        connection.start(xid, XAResource.TMRESUME);
        assertTrue(connection.isAssociated());
        connection.end(xid, XAResource.TMSUCCESS);
        connection.rollback(xid);
        assertEquals(0, resources.openBranches());
    }

    @Test
    void joinOfAnUnknownBranchIsNota() throws Exception {
        ContainerLeaseResource connection = resources.newResource();
        XAException refused = assertThrows(
                XAException.class,
                () -> connection.start(
                        new com.arjuna.ats.jta.xa.XidImple(new com.arjuna.ats.arjuna.common.Uid()),
                        javax.transaction.xa.XAResource.TMJOIN));
        assertEquals(XAException.XAER_NOTA, refused.errorCode);
    }
}
