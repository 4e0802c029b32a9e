package dev.txlease.jta;

import static javax.transaction.xa.XAResource.TMENDRSCAN;
import static javax.transaction.xa.XAResource.TMFAIL;
import static javax.transaction.xa.XAResource.TMJOIN;
import static javax.transaction.xa.XAResource.TMNOFLAGS;
import static javax.transaction.xa.XAResource.TMRESUME;
import static javax.transaction.xa.XAResource.TMSTARTRSCAN;
import static javax.transaction.xa.XAResource.TMSUCCESS;
import static javax.transaction.xa.XAResource.XA_OK;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.txlease.AcquireOptions;
import dev.txlease.LeaseState;
import dev.txlease.client.DefaultLeaseClient;
import dev.txlease.dynamodb.DynamoDbLeaseStore;
import dev.txlease.internal.ManagedLease;
import dev.txlease.spi.GrantRequest;
import dev.txlease.spi.LeaseRecord;
import dev.txlease.testing.DynamoDbLocal;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import javax.transaction.xa.XAException;
import javax.transaction.xa.XAResource;
import javax.transaction.xa.Xid;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The XA contract of {@link LeaseXAResource} and {@link RecoveryXAResource}, driven by hand. */
class LeaseXAResourceTest {
    @RegisterExtension
    static final DynamoDbLocal DYNAMO = DynamoDbLocal.embedded();

    private static final AcquireOptions UNRENEWED = AcquireOptions.builder()
            .leaseDuration(Duration.ofSeconds(1))
            .heartbeatPeriod(Duration.ZERO)
            .build();

    private final AtomicLong clock = new AtomicLong(1_000_000_000L);
    private DynamoDbLeaseStore store;
    private DefaultLeaseClient client;
    private LeaseXAResource resource;

    @BeforeEach
    void setUp() {
        store = DYNAMO.newStore();
        client = DefaultLeaseClient.builder(store)
                .node("node-x")
                .owner("owner-x")
                .clock(clock::get)
                .build();
        resource = new LeaseXAResource(store, "node-x", new PublishedLeases());
    }

    @AfterEach
    void tearDown() {
        client.close();
    }

    @Test
    void everyMethodChecksForANullXidFirst() {
        RecoveryXAResource recovery = new RecoveryXAResource(store, "node-x");
        for (XAResource xa : List.of(resource, recovery)) {
            assertXa(XAException.XAER_INVAL, () -> xa.start(null, TMNOFLAGS));
            assertXa(XAException.XAER_INVAL, () -> xa.end(null, TMSUCCESS));
            assertXa(XAException.XAER_INVAL, () -> xa.prepare(null));
            assertXa(XAException.XAER_INVAL, () -> xa.commit(null, false));
            assertXa(XAException.XAER_INVAL, () -> xa.commit(null, true));
            assertXa(XAException.XAER_INVAL, () -> xa.rollback(null));
            assertXa(XAException.XAER_INVAL, () -> xa.forget(null));
        }
    }

    @Test
    void anotherBranchIsUnknown() throws XAException {
        resource.start(xid(1), TMNOFLAGS);
        assertXa(XAException.XAER_NOTA, () -> resource.start(xid(2), TMJOIN));
        assertXa(XAException.XAER_NOTA, () -> resource.start(xid(2), TMRESUME));
        assertXa(XAException.XAER_NOTA, () -> resource.end(xid(2), TMSUCCESS));
        assertXa(XAException.XAER_NOTA, () -> resource.prepare(xid(2)));
        assertXa(XAException.XAER_NOTA, () -> resource.commit(xid(2), false));
        assertXa(XAException.XAER_NOTA, () -> resource.rollback(xid(2)));
        assertXa(XAException.XAER_NOTA, () -> resource.forget(xid(2)));
        assertXa(XAException.XAER_PROTO, () -> resource.start(xid(2), TMNOFLAGS));
        assertXa(XAException.XAER_DUPID, () -> resource.start(xid(1), TMNOFLAGS));
        resource.start(xid(1), TMJOIN);
    }

    @Test
    void flagsAreChecked() {
        assertXa(XAException.XAER_INVAL, () -> resource.start(xid(1), TMSUCCESS));
        assertXa(XAException.XAER_INVAL, () -> resource.end(xid(1), TMJOIN));
        assertXa(XAException.XAER_INVAL, () -> resource.recover(TMJOIN));
        assertXa(XAException.XAER_INVAL, () -> resource.recover(TMNOFLAGS));
        assertXa(XAException.XAER_INVAL, () -> resource.setTransactionTimeout(-1));
    }

    @Test
    void preparesWithoutLeasesNeverVoteReadOnlyAndCommitIsRepeatable() throws XAException {
        resource.start(xid(1), TMNOFLAGS);
        resource.end(xid(1), TMSUCCESS);
        assertXa(XAException.XAER_PROTO, () -> resource.commit(xid(1), false));
        assertEquals(XA_OK, resource.prepare(xid(1)));
        assertXa(XAException.XAER_PROTO, () -> resource.prepare(xid(1)));
        assertXa(XAException.XAER_PROTO, () -> resource.commit(xid(1), true));
        resource.commit(xid(1), false);
        resource.commit(xid(1), false);
        assertXa(XAException.XAER_PROTO, () -> resource.rollback(xid(1)));
        resource.forget(xid(1));
    }

    @Test
    void prepareRecordsTheXidAndCommitReleases() throws XAException {
        resource.start(xid(1), TMNOFLAGS);
        TransactionalLease lease = enlist("prepared");
        resource.end(xid(1), TMSUCCESS);

        assertEquals(XA_OK, resource.prepare(xid(1)));
        assertEquals(XidCodec.encode(xid(1)), record("prepared").transactionId());

        resource.commit(xid(1), false);
        assertTrue(record("prepared").released());
        assertEquals(LeaseState.RELEASED, lease.state());
        resource.commit(xid(1), false); // a replay
        assertTrue(record("prepared").released());
    }

    @Test
    void rollbackAfterPrepareReleasesAndIsRepeatable() throws XAException {
        resource.start(xid(1), TMNOFLAGS);
        enlist("rolled-back");
        resource.end(xid(1), TMSUCCESS);
        resource.prepare(xid(1));

        resource.rollback(xid(1));
        resource.rollback(xid(1));

        assertTrue(record("rolled-back").released());
        assertNull(record("rolled-back").transactionId());
        assertXa(XAException.XA_RBROLLBACK, () -> resource.end(xid(1), TMSUCCESS));
    }

    @Test
    void endWithTmFailVotesRollback() throws XAException {
        resource.start(xid(1), TMNOFLAGS);
        enlist("failed");
        resource.end(xid(1), TMFAIL);

        assertXa(XAException.XA_RBROLLBACK, () -> resource.prepare(xid(1)));
        assertTrue(record("failed").released());
    }

    @Test
    void takenOverLeaseVotesRbIntegrityInBothCommitPaths() throws XAException {
        resource.start(xid(1), TMNOFLAGS);
        enlist("taken");
        intrude("taken");
        resource.end(xid(1), TMSUCCESS);
        assertXa(XAException.XA_RBINTEGRITY, () -> resource.prepare(xid(1)));
        assertEquals("intruder", record("taken").owner());

        LeaseXAResource onePhase = new LeaseXAResource(store, "node-x", new PublishedLeases());
        onePhase.start(xid(2), TMNOFLAGS);
        TransactionalLease lease = new TransactionalLease(acquire("taken-1pc"), onePhase, true);
        assertTrue(onePhase.add(lease));
        intrude("taken-1pc");
        onePhase.end(xid(2), TMSUCCESS);
        assertXa(XAException.XA_RBINTEGRITY, () -> onePhase.commit(xid(2), true));
        assertEquals("intruder", record("taken-1pc").owner());
    }

    @Test
    void leaseTooCloseToExpiryVotesRbTimeout() throws XAException {
        resource.start(xid(1), TMNOFLAGS);
        TransactionalLease lease = enlist("late");
        clock.addAndGet(Duration.ofMillis(950).toNanos()); // 50 ms left of 1 s: under the 100 ms margin
        resource.end(xid(1), TMSUCCESS);

        assertTrue(lease.isValid());
        assertXa(XAException.XA_RBTIMEOUT, () -> resource.prepare(xid(1)));
        assertTrue(record("late").released(), "the rollback vote released it");
    }

    @Test
    void recoverHonoursTheScanFlagsAndReturnsThisNodesPreparedXids() throws XAException {
        prepareOutsideATransaction("mine", client, xid(7));
        try (DefaultLeaseClient otherNode = DefaultLeaseClient.builder(store)
                .node("node-y")
                .owner("owner-y")
                .build()) {
            prepareOutsideATransaction("theirs", otherNode, xid(8));
        }
        RecoveryXAResource recovery = new RecoveryXAResource(store, "node-x");

        assertXa(XAException.XAER_INVAL, () -> recovery.recover(TMNOFLAGS));
        assertXids(List.of(xid(7)), recovery.recover(TMSTARTRSCAN));
        assertXids(List.of(), recovery.recover(TMNOFLAGS));
        assertXids(List.of(), recovery.recover(TMENDRSCAN));
        assertXa(XAException.XAER_INVAL, () -> recovery.recover(TMNOFLAGS));
        assertXids(List.of(xid(7)), recovery.recover(TMSTARTRSCAN | TMENDRSCAN));
        assertXa(XAException.XAER_PROTO, () -> recovery.commit(xid(7), true));
        assertXa(XAException.XAER_PROTO, () -> recovery.prepare(xid(7)));

        recovery.commit(xid(7), false);
        assertTrue(record("mine").released());
        assertXa(XAException.XAER_NOTA, () -> recovery.commit(xid(7), false)); // done: nothing left

        RecoveryXAResource theirs = new RecoveryXAResource(store, "node-y");
        theirs.forget(xid(8)); // found by looking up again, without a scan
        assertNull(record("theirs").transactionId());
        assertEquals("owner-y", record("theirs").owner(), "forget clears the xid, keeps the lease");
    }

    @Test
    void sameResourceManagerMeansSameStore() throws XAException {
        assertTrue(resource.isSameRM(new LeaseXAResource(store, "node-z", new PublishedLeases())));
        assertTrue(resource.isSameRM(new RecoveryXAResource(store, "node-x")));
        assertFalse(resource.isSameRM(new RecoveryXAResource(DYNAMO.newStore(), "node-x")));
        assertFalse(resource.isSameRM(new ScriptedXAResource(null)));
        assertFalse(resource.isSameRM(null));
    }

    @Test
    void transactionTimeoutIsKept() throws XAException {
        assertTrue(resource.setTransactionTimeout(30));
        assertEquals(30, resource.getTransactionTimeout());
    }

    @Test
    void xidsRoundTripThroughTheRecordedTransactionId() {
        Xid xid = xid(3);
        Xid decoded = XidCodec.decode(XidCodec.encode(xid));
        assertTrue(XidCodec.same(xid, decoded));
        assertEquals(decoded, XidCodec.decode(XidCodec.encode(decoded)));
        assertEquals(xid.getFormatId(), decoded.getFormatId());
        assertArrayEquals(xid.getGlobalTransactionId(), decoded.getGlobalTransactionId());
        assertArrayEquals(xid.getBranchQualifier(), decoded.getBranchQualifier());
        assertThrows(IllegalArgumentException.class, () -> XidCodec.decode("not-an-xid"));
        assertThrows(IllegalArgumentException.class, () -> XidCodec.decode("x:00:00"));
    }

    private TransactionalLease enlist(String name) {
        TransactionalLease lease = new TransactionalLease(acquire(name), resource, true);
        assertTrue(resource.add(lease));
        return lease;
    }

    private ManagedLease acquire(String name) {
        return (ManagedLease) client.tryAcquire(name, UNRENEWED).orElseThrow();
    }

    private static void prepareOutsideATransaction(String name, DefaultLeaseClient owner, Xid xid) {
        ManagedLease lease = (ManagedLease) owner.tryAcquire(name, UNRENEWED).orElseThrow();
        lease.prepare(XidCodec.encode(xid), lease.leaseDuration());
    }

    private LeaseRecord record(String name) {
        return store.read(name).orElseThrow();
    }

    private void intrude(String name) {
        LeaseRecord current = record(name);
        assertTrue(store.tryGrant(new GrantRequest(
                        name,
                        "intruder",
                        "node-i",
                        "intruder-version",
                        Duration.ofSeconds(30),
                        null,
                        current.version()))
                .succeeded());
    }

    private static Xid xid(int id) {
        return new TestXid(4660, new byte[] {(byte) id, 1, 2}, new byte[] {(byte) id, 9});
    }

    private static void assertXids(List<Xid> expected, Xid[] actual) {
        assertEquals(expected.size(), actual.length, () -> List.of(actual).toString());
        for (int i = 0; i < actual.length; i++) {
            assertTrue(XidCodec.same(expected.get(i), actual[i]), actual[i]::toString);
        }
    }

    private static void assertXa(int code, XaCall call) {
        XAException failure = assertThrows(XAException.class, call::run);
        assertEquals(XaErrors.name(code), XaErrors.name(failure.errorCode), failure::getMessage);
    }

    @FunctionalInterface
    private interface XaCall {
        void run() throws XAException;
    }

    private record TestXid(int formatId, byte[] gtrid, byte[] bqual) implements Xid {
        @Override
        public int getFormatId() {
            return formatId;
        }

        @Override
        public byte[] getGlobalTransactionId() {
            return gtrid.clone();
        }

        @Override
        public byte[] getBranchQualifier() {
            return bqual.clone();
        }
    }
}
