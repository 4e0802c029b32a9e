package dev.txlease.jta;

import static javax.transaction.xa.XAResource.TMENDRSCAN;
import static javax.transaction.xa.XAResource.TMNOFLAGS;
import static javax.transaction.xa.XAResource.TMSTARTRSCAN;
import static javax.transaction.xa.XAResource.TMSUCCESS;
import static javax.transaction.xa.XAResource.XA_OK;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.txlease.AcquireOptions;
import dev.txlease.client.DefaultLeaseClient;
import dev.txlease.dynamodb.DynamoDbLeaseStore;
import dev.txlease.internal.ManagedLease;
import dev.txlease.spi.GrantRequest;
import dev.txlease.spi.LeaseRecord;
import dev.txlease.testing.DynamoDbLocal;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.time.Duration;
import java.util.List;
import javax.transaction.xa.XAException;
import javax.transaction.xa.Xid;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What Narayana's transaction log keeps of a {@link LeaseXAResource}: serialization, as Narayana does
 * it when it writes the log after prepare, yields a {@link PreparedLeaseBranch} that completes the
 * branch on the store a {@link LeaseRecoveryHelper} registered.
 */
class PreparedLeaseBranchTest {
    @RegisterExtension
    static final DynamoDbLocal DYNAMO = DynamoDbLocal.embedded();

    private static final AcquireOptions UNRENEWED = AcquireOptions.builder()
            .leaseDuration(Duration.ofSeconds(30))
            .heartbeatPeriod(Duration.ZERO)
            .build();

    private DynamoDbLeaseStore store;
    private DefaultLeaseClient client;
    private LeaseXAResource resource;

    @BeforeEach
    void setUp() {
        store = DYNAMO.newStore();
        client = DefaultLeaseClient.builder(store)
                .node("node-x")
                .owner("owner-x")
                .build();
        resource = new LeaseXAResource(store, "node-x", new PublishedLeases());
    }

    @AfterEach
    void tearDown() {
        client.close();
    }

    @Test
    void loggedBranchCommitsOnTheRegisteredStoreWithEachLocksReleaseFlag() throws Exception {
        Xid xid = prepare(List.of("released", "kept"), new boolean[] {true, false});
        PreparedLeaseBranch logged = logged();
        assertEquals(List.of("released", "kept"), logged.names());
        assertTrue(logged.isSameRM(resource));
        assertTrue(resource.isSameRM(logged));

        assertXa(XAException.XAER_RMFAIL, () -> logged.commit(xid, false)); // no helper for this store yet
        assertEquals(XidCodec.encode(xid), record("released").transactionId());

        LeaseRecoveryHelper.of(store, "node-x");
        logged.commit(xid, false);
        assertTrue(record("released").released());
        assertFalse(record("kept").released());
        assertNull(record("kept").transactionId());
        logged.commit(xid, false); // a replay
        logged.rollback(xid);
        assertTrue(record("released").released());
        assertFalse(record("kept").released());
    }

    @Test
    void loggedBranchWhoseLeaseWasTakenOverCompletesWithoutTouchingTheNewHolder() throws Exception {
        Xid xid = prepare(List.of("taken"), new boolean[] {true});
        PreparedLeaseBranch logged = logged();
        LeaseRecord current = record("taken");
        assertTrue(store.tryGrant(new GrantRequest(
                        "taken",
                        "successor",
                        "node-s",
                        "successor-version",
                        Duration.ofSeconds(30),
                        null,
                        current.version()))
                .succeeded());
        LeaseRecord taken = record("taken");
        assertNull(taken.transactionId());

        LeaseRecoveryHelper.of(store, "node-x");
        logged.commit(xid, false);
        logged.rollback(xid);
        logged.forget(xid);
        assertEquals(taken, record("taken"));
    }

    @Test
    void loggedBranchOnlyCompletesItsOwnPreparedXid() throws Exception {
        Xid xid = prepare(List.of("own"), new boolean[] {true});
        PreparedLeaseBranch logged = logged();
        LeaseRecoveryHelper.of(store, "node-x");
        Xid other = xid(2);
        assertXa(XAException.XAER_NOTA, () -> logged.commit(other, false));
        assertXa(XAException.XAER_NOTA, () -> logged.rollback(other));
        assertXa(XAException.XAER_PROTO, () -> logged.commit(xid, true));
        assertXa(XAException.XAER_PROTO, () -> logged.start(xid, TMNOFLAGS));
        assertXa(XAException.XAER_PROTO, () -> logged.end(xid, TMSUCCESS));
        assertXa(XAException.XAER_PROTO, () -> logged.prepare(xid));
        assertXa(XAException.XAER_INVAL, () -> logged.commit(null, false));
        assertXa(XAException.XAER_INVAL, () -> logged.recover(TMSUCCESS));
        assertEquals(0, logged.recover(TMSTARTRSCAN | TMENDRSCAN).length);
        assertEquals(XidCodec.encode(xid), record("own").transactionId());
    }

    /** Prepares a branch with a lease on each name, each released at completion or kept. */
    private Xid prepare(List<String> names, boolean[] releases) throws XAException {
        Xid xid = xid(1);
        resource.start(xid, TMNOFLAGS);
        for (int i = 0; i < names.size(); i++) {
            TransactionalLease lease = new TransactionalLease(
                    (ManagedLease) client.tryAcquire(names.get(i), UNRENEWED).orElseThrow(), resource, releases[i]);
            assertTrue(resource.add(lease));
        }
        resource.end(xid, TMSUCCESS);
        assertEquals(XA_OK, resource.prepare(xid));
        return xid;
    }

    /** Serializes the resource as Narayana's log does, and reads it back as recovery does. */
    private PreparedLeaseBranch logged() throws IOException, ClassNotFoundException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(resource);
        }
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            return assertInstanceOf(PreparedLeaseBranch.class, in.readObject());
        }
    }

    private LeaseRecord record(String name) {
        return store.read(name).orElseThrow();
    }

    private static Xid xid(int id) {
        return XidCodec.decode(XidCodec.encode(new TestXid(id)));
    }

    private static void assertXa(int code, XaCall call) {
        XAException failure = assertThrows(XAException.class, call::run);
        assertEquals(XaErrors.name(code), XaErrors.name(failure.errorCode), failure::getMessage);
    }

    @FunctionalInterface
    private interface XaCall {
        void run() throws XAException;
    }

    private record TestXid(int id) implements Xid {
        @Override
        public int getFormatId() {
            return 4660;
        }

        @Override
        public byte[] getGlobalTransactionId() {
            return new byte[] {(byte) id, 1, 2};
        }

        @Override
        public byte[] getBranchQualifier() {
            return new byte[] {(byte) id, 9};
        }
    }
}
