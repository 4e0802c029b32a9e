package dev.txlease.jta;

import dev.txlease.client.DefaultLeaseClient;
import dev.txlease.internal.LeaseEngines;
import dev.txlease.spi.LeaseStore;
import java.util.Objects;
import javax.transaction.xa.XAResource;

/**
 * The XAResource that a transaction manager recovers lease branches with, for any transaction manager
 * (Narayana users register {@link dev.txlease.jta.narayana.LeaseRecoveryHelper}, which wraps it; a
 * resource adapter returns it from {@code getXAResources}).
 *
 * <p>Its {@code recover} lists the prepared branches of one node, read from the lease store, until
 * each is completed, whatever happened to their locks since (a takeover included), at a cost that
 * follows the node's prepared branches, not the number of locks; {@code commit} and {@code rollback}
 * complete them as a live commit would (a lease its holder keeps is only cleared of the transaction).
 * The transaction manager logs only Xids for these branches: it never has to load a txlease class
 * from its log.
 *
 * <p>Stateless and thread-safe; the returned resource is thread-safe.
 */
public final class LeaseRecovery {
    private LeaseRecovery() {}

    /**
     * Returns a recovery XAResource for the leases of {@code client}'s node on {@code client}'s store.
     *
     * @param client the lease client
     * @return a new XAResource; keep and reuse it, as transaction managers expect
     */
    public static XAResource xaResource(DefaultLeaseClient client) {
        Objects.requireNonNull(client, "client must not be null");
        return new RecoveryXAResource(
                client.store(), client.node(), LeaseEngines.of(client).events());
    }

    /**
     * Returns a recovery XAResource for the leases of {@code node} on {@code store}.
     *
     * @param store the lease store
     * @param node the node identity the leases were acquired with
     * @return a new XAResource; keep and reuse it, as transaction managers expect
     */
    public static XAResource xaResource(LeaseStore store, String node) {
        Objects.requireNonNull(store, "store must not be null");
        Objects.requireNonNull(node, "node must not be null");
        if (node.isBlank()) {
            throw new IllegalArgumentException("node must not be blank");
        }
        return new RecoveryXAResource(store, node);
    }
}
