package dev.txlease.jta;

import com.arjuna.ats.jta.recovery.XAResourceRecoveryHelper;
import dev.txlease.client.DefaultLeaseClient;
import dev.txlease.spi.LeaseStore;
import java.util.Objects;
import javax.transaction.xa.XAResource;

/**
 * Lets Narayana's XA recovery complete the lease branches of a node that stopped between prepare and
 * commit. Register it once, at startup, before recovery runs:
 *
 * <!-- snippet: jta-recovery -->
 * <pre>{@code
 * XARecoveryModule.getRegisteredXARecoveryModule()
 *         .addXAResourceRecoveryHelper(LeaseRecoveryHelper.of(client));
 * }</pre>
 *
 * <p><b>Node identity.</b> Every lease records the node of the client that acquired it ({@link
 * DefaultLeaseClient.Builder#node(String)}, the host name by default). Recovery scans the store for
 * the leases of <em>its</em> node that carry a prepared transaction, so the node must be stable
 * across restarts of a process and unique among the processes that share a store. Give it the same
 * value as Narayana's {@code CoreEnvironmentBean.nodeIdentifier}, and list that identifier in {@code
 * JTAEnvironmentBean.xaRecoveryNodes} so that branches Narayana has no log for (a crash after the
 * lease was prepared but before the transaction log was written) are rolled back.
 *
 * <p>The helper's XAResource reads the store on {@code recover(TMSTARTRSCAN)} and releases the listed
 * locks on {@code commit} or {@code rollback}, conditional on the recorded transaction, so a replay is
 * harmless. Recovery only makes the release prompt: a crashed holder's lease also simply expires.
 *
 * <p>Creating the helper also registers its store (by {@link LeaseStore#storeId()}, process-wide)
 * for the lease branches that Narayana reads back from its transaction log: a transaction's lease
 * branch is written there at prepare, and recovery completes it on that store, even when a takeover
 * has cleared the recorded transaction so that the scan above no longer lists it. Until a helper for
 * the store exists, such a branch is left for a later recovery pass. That completion follows each
 * lease's release flag, as the commit would have: a lease kept after its transaction is only cleared
 * of it.
 *
 * <p>Thread-safe. It returns the same XAResource on every call, as the recovery module expects.
 */
public final class LeaseRecoveryHelper implements XAResourceRecoveryHelper {
    private final RecoveryXAResource resource;

    private LeaseRecoveryHelper(LeaseStore store, String node) {
        this.resource = new RecoveryXAResource(store, node);
        RecoveryStores.register(store);
    }

    /**
     * Returns a helper for the leases of {@code client}'s node on {@code client}'s store.
     *
     * @param client the lease client
     * @return the helper
     */
    public static LeaseRecoveryHelper of(DefaultLeaseClient client) {
        Objects.requireNonNull(client, "client must not be null");
        return new LeaseRecoveryHelper(client.store(), client.node());
    }

    /**
     * Returns a helper for the leases of {@code node} on {@code store}.
     *
     * @param store the lease store
     * @param node the node identity the leases were acquired with
     * @return the helper
     */
    public static LeaseRecoveryHelper of(LeaseStore store, String node) {
        Objects.requireNonNull(store, "store must not be null");
        Objects.requireNonNull(node, "node must not be null");
        if (node.isBlank()) {
            throw new IllegalArgumentException("node must not be blank");
        }
        return new LeaseRecoveryHelper(store, node);
    }

    /** Returns the node whose prepared leases this helper recovers. */
    public String node() {
        return resource.node();
    }

    /** Accepts any parameter: the helper is configured by its factory. */
    @Override
    public boolean initialise(String parameter) {
        return true;
    }

    @Override
    public XAResource[] getXAResources() {
        return new XAResource[] {resource};
    }

    @Override
    public String toString() {
        return "LeaseRecoveryHelper[node=" + node() + ", store=" + resource.storeId() + "]";
    }
}
