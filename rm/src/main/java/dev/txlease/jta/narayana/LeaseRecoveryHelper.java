package dev.txlease.jta.narayana;

import com.arjuna.ats.jta.recovery.XAResourceRecoveryHelper;
import dev.txlease.client.DefaultLeaseClient;
import dev.txlease.jta.LeaseRecovery;
import dev.txlease.spi.LeaseStore;
import java.util.Objects;
import javax.transaction.xa.XAResource;

/**
 * Lets Narayana's XA recovery complete the lease branches of a node that stopped between prepare and
 * completion. Register it once, at startup ({@code XARecoveryModule} is {@code
 * com.arjuna.ats.internal.jta.recovery.arjunacore.XARecoveryModule}):
 *
 * <!-- snippet: jta-recovery -->
 * <pre>{@code
 * // The first call of getRegisteredXARecoveryModule() starts Narayana's recovery manager (and its
 * // periodic recovery thread) if it is not running yet.
 * XARecoveryModule.getRegisteredXARecoveryModule()
 *         .addXAResourceRecoveryHelper(LeaseRecoveryHelper.of(client));
 * }</pre>
 *
 * <p><b>Node identity.</b> Every lease records the node of the client that acquired it ({@link
 * DefaultLeaseClient.Builder#node(String)}, the host name by default), and every prepared branch is
 * kept in the store under that node until it is completed. Recovery lists the prepared branches of
 * <em>its</em> node, so the node must be stable across restarts of a process and unique among the
 * processes that share a store. Give it the same value as Narayana's {@code
 * CoreEnvironmentBean.nodeIdentifier}, and list that identifier in {@code
 * JTAEnvironmentBean.xaRecoveryNodes} so that branches Narayana has no log for are rolled back.
 *
 * <p>The helper's XAResource ({@link LeaseRecovery#xaResource}) lists the branches on {@code
 * recover(TMSTARTRSCAN)}, even those whose locks were taken over since, and completes them on
 * {@code commit} or {@code rollback}: conditional on the recorded transaction, so a replay is
 * harmless, and a lease its holder keeps is only cleared of the transaction. Narayana logs only the
 * Xid of a lease branch, never a txlease object, so its recovery manager needs no txlease class
 * (as in an application server, whose recovery starts before deployments). Recovery only makes the
 * release prompt: a crashed holder's lease also simply expires.
 *
 * <p>Thread-safe. It returns the same XAResource on every call, as the recovery module expects.
 */
public final class LeaseRecoveryHelper implements XAResourceRecoveryHelper {
    private final XAResource resource;
    private final String node;
    private final String store;

    private LeaseRecoveryHelper(XAResource resource, String node, String store) {
        this.resource = resource;
        this.node = node;
        this.store = store;
    }

    /**
     * Returns a helper for the leases of {@code client}'s node on {@code client}'s store.
     *
     * @param client the lease client
     * @return the helper
     */
    public static LeaseRecoveryHelper of(DefaultLeaseClient client) {
        Objects.requireNonNull(client, "client must not be null");
        return new LeaseRecoveryHelper(
                LeaseRecovery.xaResource(client), client.node(), client.store().storeId());
    }

    /**
     * Returns a helper for the leases of {@code node} on {@code store}.
     *
     * @param store the lease store
     * @param node the node identity the leases were acquired with
     * @return the helper
     */
    public static LeaseRecoveryHelper of(LeaseStore store, String node) {
        XAResource resource = LeaseRecovery.xaResource(store, node);
        return new LeaseRecoveryHelper(resource, node, store.storeId());
    }

    /** Returns the node whose prepared branches this helper recovers. */
    public String node() {
        return node;
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
        return "LeaseRecoveryHelper[node=" + node + ", store=" + store + "]";
    }
}
