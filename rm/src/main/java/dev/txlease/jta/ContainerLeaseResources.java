package dev.txlease.jta;

import dev.txlease.client.DefaultLeaseClient;
import dev.txlease.internal.LeaseEngine;
import dev.txlease.internal.LeaseEngines;
import jakarta.transaction.Synchronization;
import jakarta.transaction.TransactionSynchronizationRegistry;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import javax.transaction.xa.XAException;
import javax.transaction.xa.XAResource;
import javax.transaction.xa.Xid;

/**
 * The lease resource manager for a container that enlists XAResources itself, such as a Jakarta
 * Connectors resource adapter: the container asks each managed connection for its XAResource ({@link
 * #newResource()}), starts it on a transaction branch, and the application's leases then join that
 * branch ({@link ContainerLeaseResource#acquire}). Prepare, commit, rollback and recovery are those of
 * {@link TransactionalLeaseClient}: the same branch class, the same completion path.
 *
 * <p>The branches live here, keyed by Xid, not in the connection's resource: a container that joins
 * two connections of one store into one branch ({@code isSameRM}, then {@code start(xid, TMJOIN)} on
 * the second) reaches the same branch through either resource, and a pooled connection serves one
 * transaction after another.
 *
 * <p>Thread-safe. One per lease client (a resource adapter holds one).
 */
public final class ContainerLeaseResources {
    private final LeaseEngine engine;
    private final TransactionSynchronizationRegistry registry;
    private final LeaseEnlistment enlistment;
    private final Map<String, OpenBranch> branches = new ConcurrentHashMap<>();

    private ContainerLeaseResources(DefaultLeaseClient client, TransactionSynchronizationRegistry registry) {
        this.engine = LeaseEngines.of(client);
        this.registry = registry;
        this.enlistment = new LeaseEnlistment(engine, registry);
    }

    /**
     * Returns the resource manager for the leases of {@code client} in the container's transactions.
     *
     * @param client the lease client; not closed by this class
     * @param registry the container's transaction synchronization registry (a resource adapter gets it
     *     from {@code BootstrapContext.getTransactionSynchronizationRegistry()}); the branch's leases
     *     are published there under {@code TransactionLeases.REGISTRY_KEY}
     * @return the resource manager
     */
    public static ContainerLeaseResources of(DefaultLeaseClient client, TransactionSynchronizationRegistry registry) {
        return new ContainerLeaseResources(
                Objects.requireNonNull(client, "client must not be null"),
                Objects.requireNonNull(registry, "registry must not be null"));
    }

    /**
     * Returns a new XAResource for one managed connection; it also answers {@code recover} for this
     * node's prepared branches.
     *
     * @return the resource
     */
    public ContainerLeaseResource newResource() {
        return new ContainerLeaseResource(this);
    }

    /** Returns the number of branches started and not yet completed (for tests and diagnostics). */
    public int openBranches() {
        return branches.size();
    }

    LeaseEngine engine() {
        return engine;
    }

    LeaseEnlistment enlistment() {
        return enlistment;
    }

    RecoveryXAResource newRecoveryResource() {
        return new RecoveryXAResource(engine.store(), engine.node(), engine.events());
    }

    /**
     * Opens the branch {@code xid}; null if it is open already. Runs on the enlisting thread, whose
     * transaction the branch's leases are published in.
     */
    LeaseXAResource open(Xid xid) throws XAException {
        PublishedLeases published;
        try {
            published = PublishedLeases.of(registry);
        } catch (IllegalStateException e) {
            throw XaErrors.protocol("start of " + XidCodec.describe(xid)
                    + " on a thread without the transaction; a container enlists on the transaction's thread");
        }
        LeaseXAResource branch = new LeaseXAResource(engine.store(), engine.node(), published, engine.events());
        OpenBranch opened = new OpenBranch(branch);
        if (branches.putIfAbsent(XidCodec.encode(xid), opened) != null) {
            return null;
        }
        try {
            // The container enlisted the branch when the connection was obtained, usually before the
            // database branches, so its commit may run first: only record the outcome there and release
            // after every branch has completed.
            registry.registerInterposedSynchronization(new Synchronization() {
                @Override
                public void beforeCompletion() {}

                @Override
                public void afterCompletion(int status) {
                    branch.afterCompletion(status);
                }
            });
            branch.completeAfterTransaction();
        } catch (IllegalStateException e) {
            // the transaction is already completing: commit and rollback complete the leases themselves
        }
        return branch;
    }

    /** Returns the open branch {@code xid}, or null. */
    LeaseXAResource find(Xid xid) {
        OpenBranch open = branches.get(XidCodec.encode(xid));
        return open == null ? null : open.branch;
    }

    /**
     * Associates one more connection resource with the branch {@code xid}: {@code TMNOFLAGS} right
     * after {@link #open}, {@code TMJOIN} or {@code TMRESUME} later. The branch itself sees one
     * association: it is started by the first connection and ended by the last (or by the first
     * {@code TMFAIL}), so a join while another connection is associated is no protocol error.
     */
    LeaseXAResource associate(Xid xid, int flags) throws XAException {
        OpenBranch open = branches.get(XidCodec.encode(xid));
        if (open == null) {
            throw XaErrors.unknown(xid, toString());
        }
        synchronized (open) {
            if (open.associations == 0) {
                open.branch.start(xid, flags);
            }
            open.associations++;
        }
        return open.branch;
    }

    /** Ends one connection resource's association with the branch {@code xid}; see {@link #associate}. */
    void dissociate(Xid xid, int flags) throws XAException {
        OpenBranch open = branches.get(XidCodec.encode(xid));
        if (open == null) {
            throw XaErrors.unknown(xid, toString());
        }
        synchronized (open) {
            open.associations--;
            if (open.failed) {
                return; // the branch was ended with TMFAIL already: it rolls back
            }
            if (flags == XAResource.TMFAIL) {
                open.failed = true;
                open.branch.end(xid, flags);
            } else if (open.associations == 0) {
                open.branch.end(xid, flags);
            }
        }
    }

    /** An open branch and how many connection resources are associated with it. */
    private static final class OpenBranch {
        final LeaseXAResource branch;
        int associations;
        boolean failed;

        OpenBranch(LeaseXAResource branch) {
            this.branch = branch;
        }
    }

    /** Forgets the branch {@code xid} once it has completed. */
    void close(Xid xid) {
        branches.remove(XidCodec.encode(xid));
    }
}
