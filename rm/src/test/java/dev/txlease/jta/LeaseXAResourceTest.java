package dev.txlease.jta;

import static javax.transaction.xa.XAResource.TMENDRSCAN;
import static javax.transaction.xa.XAResource.TMFAIL;
import static javax.transaction.xa.XAResource.TMJOIN;
import static javax.transaction.xa.XAResource.TMNOFLAGS;
import static javax.transaction.xa.XAResource.TMRESUME;
import static javax.transaction.xa.XAResource.TMSTARTRSCAN;
import static javax.transaction.xa.XAResource.TMSUCCESS;
import static javax.transaction.xa.XAResource.TMSUSPEND;
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
        resource.end(xid(1), TMSUCCESS);
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
        prepareAndDie("mine", client, xid(7));
        try (DefaultLeaseClient otherNode = DefaultLeaseClient.builder(store)
                .node("node-y")
                .owner("owner-y")
                .build()) {
            prepareAndDie("theirs", otherNode, xid(8));
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
        assertXids(List.of(), recovery.recover(TMSTARTRSCAN | TMENDRSCAN));

        RecoveryXAResource theirs = new RecoveryXAResource(store, "node-y");
        theirs.rollback(xid(8)); // found by looking up again, without a scan
        assertTrue(record("theirs").released());
    }

    @Test
    void recoveryListsABranchWhoseLeaseWasTakenOverUntilItIsCompleted() throws XAException {
        prepareAndDie("taken-then-recovered", client, xid(5));
        intrude("taken-then-recovered");
        LeaseRecord successor = record("taken-then-recovered");
        assertNull(successor.transactionId());

        RecoveryXAResource recovery = new RecoveryXAResource(store, "node-x");
        assertXids(List.of(xid(5)), recovery.recover(TMSTARTRSCAN | TMENDRSCAN));
        recovery.commit(xid(5), false);

        assertEquals(successor, record("taken-then-recovered"), "the new holder is left alone");
        assertXids(List.of(), recovery.recover(TMSTARTRSCAN | TMENDRSCAN));
    }

    /** Issue 12, item 2: the XA state table, one verb out of order at a time. */
    @Test
    void resumeOfABranchThatWasNeverSuspendedIsAProtocolError() throws XAException {
        resource.start(xid(1), TMNOFLAGS);
        assertXa(XAException.XAER_PROTO, () -> resource.start(xid(1), TMRESUME));
        resource.end(xid(1), TMSUCCESS);
        assertXa(XAException.XAER_PROTO, () -> resource.start(xid(1), TMRESUME));
        resource.start(xid(1), TMJOIN);
        resource.end(xid(1), TMSUSPEND);
        resource.start(xid(1), TMRESUME);
        resource.end(xid(1), TMSUCCESS);
        assertEquals(XA_OK, resource.prepare(xid(1)));
    }

    @Test
    void joinAfterEndWithTmFailIsARollback() throws XAException {
        resource.start(xid(1), TMNOFLAGS);
        resource.end(xid(1), TMFAIL);
        XAException failure = assertThrows(XAException.class, () -> resource.start(xid(1), TMJOIN));
        assertTrue(
                failure.errorCode >= XAException.XA_RBBASE && failure.errorCode <= XAException.XA_RBEND,
                failure::getMessage);
    }

    @Test
    void prepareOfABranchStillAssociatedIsAProtocolError() throws XAException {
        resource.start(xid(1), TMNOFLAGS);
        enlist("associated");
        assertXa(XAException.XAER_PROTO, () -> resource.prepare(xid(1)));
        assertXa(XAException.XAER_PROTO, () -> resource.commit(xid(1), true));
        resource.end(xid(1), TMSUSPEND);
        assertXa(XAException.XAER_PROTO, () -> resource.prepare(xid(1)));
        assertNull(record("associated").transactionId(), "nothing was prepared");
        resource.start(xid(1), TMRESUME);
        resource.end(xid(1), TMSUCCESS);
        assertEquals(XA_OK, resource.prepare(xid(1)));
    }

    @Test
    void secondEndWithoutAnAssociationIsAProtocolError() throws XAException {
        resource.start(xid(1), TMNOFLAGS);
        resource.end(xid(1), TMSUCCESS);
        assertXa(XAException.XAER_PROTO, () -> resource.end(xid(1), TMSUCCESS));
        assertXa(XAException.XAER_PROTO, () -> resource.end(xid(1), TMSUSPEND));
        resource.start(xid(1), TMJOIN);
        resource.end(xid(1), TMSUSPEND);
        assertXa(XAException.XAER_PROTO, () -> resource.end(xid(1), TMSUSPEND));
        resource.end(xid(1), TMSUCCESS); // ends the suspended association
    }

    @Test
    void forgetOfABranchThatCompletedNormallyIsUnknown() throws XAException {
        resource.start(xid(1), TMNOFLAGS);
        enlist("forgotten");
        resource.end(xid(1), TMSUCCESS);
        resource.prepare(xid(1));
        resource.commit(xid(1), false);
        assertXa(XAException.XAER_NOTA, () -> resource.forget(xid(1)));
        assertTrue(record("forgotten").released());
    }

    @Test
    void forgetDuringRecoveryDoesNotEraseAnInDoubtBranch() throws XAException {
        prepareAndDie("in-doubt", client, xid(4));
        RecoveryXAResource recovery = new RecoveryXAResource(store, "node-x");
        assertXids(List.of(xid(4)), recovery.recover(TMSTARTRSCAN | TMENDRSCAN));

        assertXa(XAException.XAER_NOTA, () -> recovery.forget(xid(4)));

        assertEquals(XidCodec.encode(xid(4)), record("in-doubt").transactionId());
        assertXids(List.of(xid(4)), recovery.recover(TMSTARTRSCAN | TMENDRSCAN));
        recovery.rollback(xid(4));
        assertTrue(record("in-doubt").released());
    }

    @Test
    void isSameRmAgreesWithJoin() throws XAException {
        LeaseXAResource other = new LeaseXAResource(store, "node-x", new PublishedLeases());
        resource.start(xid(1), TMNOFLAGS);
        resource.end(xid(1), TMSUCCESS);

        assertFalse(resource.isSameRM(other), "another instance cannot join this branch");
        assertXa(XAException.XAER_NOTA, () -> other.start(xid(1), TMJOIN));
        assertTrue(resource.isSameRM(resource));
        resource.start(xid(1), TMJOIN);
    }

    /** Issue 17, defect 5: a lease that ran out before prepare votes XA_RBTIMEOUT, taken over or not. */
    @Test
    void leaseThatRanOutAndWasTakenOverVotesRbTimeout() throws XAException {
        resource.start(xid(1), TMNOFLAGS);
        enlist("ran-out");
        clock.addAndGet(Duration.ofSeconds(2).toNanos()); // past the 1 s lease on this process's clock
        intrude("ran-out");
        resource.end(xid(1), TMSUCCESS);

        assertXa(XAException.XA_RBTIMEOUT, () -> resource.prepare(xid(1)));
        assertEquals("intruder", record("ran-out").owner());
    }

    /**
     * Issue 10, safety item 2: a kept lease whose prepare landed but lost its answer votes
     * XA_RBCOMMFAIL; the rollback clears the Xid and leaves the lease held, and recovery finds nothing
     * to release.
     */
    @Test
    void rollbackOfAKeptLeaseAfterALostPrepareAnswerKeepsItHeld() throws XAException {
        CountingLeaseStore counting = new CountingLeaseStore(store);
        LeaseXAResource branch = new LeaseXAResource(counting, "node-x", new PublishedLeases());
        branch.start(xid(1), TMNOFLAGS);
        TransactionalLease lease;
        try (DefaultLeaseClient losing = DefaultLeaseClient.builder(counting)
                .node("node-x")
                .owner("owner-x")
                .clock(clock::get)
                .build()) {
            lease = new TransactionalLease(
                    (ManagedLease) losing.tryAcquire("kept-lost", UNRENEWED).orElseThrow(), branch, false);
            assertTrue(branch.add(lease));
            branch.end(xid(1), TMSUCCESS);
            counting.losePrepareAnswers();

            assertXa(XAException.XA_RBCOMMFAIL, () -> branch.prepare(xid(1)));
            branch.rollback(xid(1));
        }

        LeaseRecord record = record("kept-lost");
        assertEquals("owner-x", record.owner());
        assertFalse(record.released());
        assertNull(record.transactionId(), "the Xid is cleared");
        assertTrue(lease.isValid());
        RecoveryXAResource recovery = new RecoveryXAResource(store, "node-x");
        assertXids(List.of(), recovery.recover(TMSTARTRSCAN | TMENDRSCAN));
        assertEquals(0, counting.transactionalReleases("kept-lost"));
    }

    /** Issue 10, safety item 2, after a crash: recovery of a kept lease only clears the Xid. */
    @Test
    void recoveryNeverReleasesAKeptLease() throws XAException {
        LeaseXAResource branch = new LeaseXAResource(store, "node-x", new PublishedLeases());
        branch.start(xid(3), TMNOFLAGS);
        assertTrue(branch.add(new TransactionalLease(acquire("kept-recovered"), branch, false)));
        branch.end(xid(3), TMSUCCESS);
        branch.prepare(xid(3)); // then the transaction manager "dies"

        RecoveryXAResource recovery = new RecoveryXAResource(store, "node-x");
        assertXids(List.of(xid(3)), recovery.recover(TMSTARTRSCAN | TMENDRSCAN));
        recovery.rollback(xid(3));

        LeaseRecord record = record("kept-recovered");
        assertEquals("owner-x", record.owner());
        assertFalse(record.released());
        assertNull(record.transactionId());
    }

    @Test
    void sameResourceManagerMeansSameBranchResource() {
        assertTrue(resource.isSameRM(resource));
        assertFalse(resource.isSameRM(new LeaseXAResource(store, "node-x", new PublishedLeases())));
        assertFalse(resource.isSameRM(new RecoveryXAResource(store, "node-x")));
        RecoveryXAResource recovery = new RecoveryXAResource(store, "node-x");
        assertTrue(recovery.isSameRM(new RecoveryXAResource(store, "node-x")));
        assertFalse(recovery.isSameRM(new RecoveryXAResource(store, "node-y")));
        assertFalse(recovery.isSameRM(new RecoveryXAResource(DYNAMO.newStore(), "node-x")));
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

    /** Prepares a branch with one lease on {@code name}, then leaves it as a crashed process would. */
    private void prepareAndDie(String name, DefaultLeaseClient owner, Xid xid) throws XAException {
        LeaseXAResource branch = new LeaseXAResource(store, owner.node(), new PublishedLeases());
        branch.start(xid, TMNOFLAGS);
        ManagedLease lease = (ManagedLease) owner.tryAcquire(name, UNRENEWED).orElseThrow();
        assertTrue(branch.add(new TransactionalLease(lease, branch, true)));
        branch.end(xid, TMSUCCESS);
        assertEquals(XA_OK, branch.prepare(xid));
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
