package dev.txlease.micrometer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.txlease.AcquireOptions;
import dev.txlease.Lease;
import dev.txlease.client.DefaultLeaseClient;
import dev.txlease.dynamodb.DynamoDbLeaseStore;
import dev.txlease.jta.ContainerLeaseResource;
import dev.txlease.jta.ContainerLeaseResources;
import dev.txlease.jta.LeaseRecovery;
import dev.txlease.jta.TransactionalLeaseClient;
import dev.txlease.testing.DynamoDbLocal;
import dev.txlease.testing.InProcessNarayana;
import dev.txlease.testing.ManualClock;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import jakarta.transaction.RollbackException;
import jakarta.transaction.Transaction;
import jakarta.transaction.TransactionManager;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import javax.transaction.xa.XAResource;
import javax.transaction.xa.Xid;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Prepare votes and recovery completions of {@link LeaseClientMetrics}, under in-process Narayana. */
class JtaMetricsTest {
    @RegisterExtension
    static final DynamoDbLocal DYNAMO = DynamoDbLocal.embedded();

    @RegisterExtension
    final InProcessNarayana narayana = new InProcessNarayana();

    private static final TransactionManager TM = InProcessNarayana.transactionManager();
    private static final Tags NODE = Tags.of("client", "node-a");

    private DynamoDbLeaseStore store;
    private MeterRegistry registry;
    private ManualClock clock;
    private DefaultLeaseClient plain;
    private DefaultLeaseClient rival;

    @BeforeEach
    void setUp() {
        store = DYNAMO.newStore();
        registry = new SimpleMeterRegistry();
        clock = new ManualClock(); // the holder's leases never run out locally: a loss is a takeover
        LeaseClientMetrics metrics = new LeaseClientMetrics(NODE);
        plain = DefaultLeaseClient.builder(store)
                .node("node-a")
                .owner("owner-a")
                .clock(clock)
                .observer(metrics)
                .build();
        metrics.bindTo(registry);
        rival = DefaultLeaseClient.builder(store)
                .node("node-b")
                .owner("owner-b")
                .build();
    }

    @AfterEach
    void tearDown() {
        plain.close();
        rival.close();
    }

    @Test
    void prepareVotesAreCountedByXaCode() throws Exception {
        TransactionalLeaseClient leases = TransactionalLeaseClient.builder(plain, TM)
                .registry(InProcessNarayana.registry())
                .build();
        TM.begin();
        leases.acquire("vote-ok", AcquireOptions.defaults());
        TM.commit();

        TM.begin();
        leases.acquire(
                "vote-lost",
                AcquireOptions.builder()
                        .leaseDuration(Duration.ofMillis(300))
                        .heartbeatPeriod(Duration.ZERO)
                        .build());
        Lease successor = rival.acquire(
                "vote-lost",
                AcquireOptions.builder()
                        .waitTimeout(Duration.ofSeconds(10))
                        .pollInterval(Duration.ofMillis(20))
                        .build());
        assertEquals("owner-b", successor.owner());
        assertThrows(RollbackException.class, TM::commit);

        assertEquals(1.0, votes("XA_OK"));
        assertEquals(1.0, votes("XA_RBINTEGRITY"));
        assertEquals(
                2, registry.find(LeaseClientMetrics.PREPARE_VOTES).counters().size());
        assertEquals(
                1.0,
                registry.get(LeaseClientMetrics.LEASES_LOST)
                        .tags(NODE)
                        .tag("cause", "taken_over")
                        .counter()
                        .count());
    }

    @Test
    void recoveryCompletionsAreCountedByOutcome() throws Exception {
        TM.begin();
        ContainerLeaseResource connection =
                ContainerLeaseResources.of(plain, InProcessNarayana.registry()).newResource();
        Xid xid = new BranchXid("in-doubt-1");
        connection.start(xid, XAResource.TMNOFLAGS);
        connection.acquire("in-doubt", AcquireOptions.defaults(), true).orElseThrow();
        connection.end(xid, XAResource.TMSUCCESS);
        assertEquals(XAResource.XA_OK, connection.prepare(xid));
        Transaction transaction = TM.suspend(); // the branch stays prepared: the transaction manager "crashed"

        XAResource recovery = LeaseRecovery.xaResource(plain);
        Xid[] inDoubt = recovery.recover(XAResource.TMSTARTRSCAN | XAResource.TMENDRSCAN);
        assertEquals(1, inDoubt.length);
        assertArrayEquals(xid.getGlobalTransactionId(), inDoubt[0].getGlobalTransactionId());
        recovery.commit(inDoubt[0], false);

        assertEquals(1.0, votes("XA_OK"));
        assertEquals(1.0, recoveries("commit"));
        assertEquals(0, recovery.recover(XAResource.TMSTARTRSCAN | XAResource.TMENDRSCAN).length);
        TM.resume(transaction);
        TM.rollback();
        assertEquals(1.0, recoveries("commit"), "the live branch's own completion is not a recovery");
        assertEquals(
                0,
                registry.find(LeaseClientMetrics.RECOVERY_COMPLETIONS)
                        .tag("outcome", "rollback")
                        .counters()
                        .size());
    }

    private double votes(String vote) {
        return registry.get(LeaseClientMetrics.PREPARE_VOTES)
                .tags(NODE)
                .tag("vote", vote)
                .counter()
                .count();
    }

    private double recoveries(String outcome) {
        return registry.get(LeaseClientMetrics.RECOVERY_COMPLETIONS)
                .tags(NODE)
                .tag("outcome", outcome)
                .counter()
                .count();
    }

    /** A branch id of this test. */
    private static final class BranchXid implements Xid {
        private final byte[] global;

        BranchXid(String global) {
            this.global = global.getBytes(StandardCharsets.UTF_8);
        }

        @Override
        public int getFormatId() {
            return 4242;
        }

        @Override
        public byte[] getGlobalTransactionId() {
            return global.clone();
        }

        @Override
        public byte[] getBranchQualifier() {
            return new byte[] {1};
        }
    }
}
