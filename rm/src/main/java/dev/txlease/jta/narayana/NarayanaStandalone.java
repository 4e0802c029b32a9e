package dev.txlease.jta.narayana;

import com.arjuna.ats.arjuna.common.CoreEnvironmentBeanException;
import com.arjuna.ats.arjuna.common.ObjectStoreEnvironmentBean;
import com.arjuna.ats.arjuna.common.arjPropertyManager;
import com.arjuna.ats.internal.jta.transaction.arjunacore.TransactionSynchronizationRegistryImple;
import com.arjuna.ats.jta.common.jtaPropertyManager;
import com.arjuna.common.internal.util.propertyservice.BeanPopulator;
import jakarta.transaction.TransactionManager;
import jakarta.transaction.TransactionSynchronizationRegistry;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * Narayana in plain Java (no application server), set up the way txlease's recovery expects: one
 * object store directory for every store Narayana keeps, and one node identity shared by Narayana
 * and the lease client, so that recovery finds this node's prepared leases and rolls back the
 * branches it has no log for.
 *
 * <!-- snippet: jta-transaction -->
 * <pre>{@code
 * // plain Java: one object store and one node identity for Narayana and the lease client
 * NarayanaStandalone.configure(Path.of("target", "ObjectStore"), "orders-1");
 * TransactionManager tm = NarayanaStandalone.transactionManager();
 * TransactionSynchronizationRegistry tsr = NarayanaStandalone.registry();
 * DefaultLeaseClient client =
 *         DefaultLeaseClient.builder(store).node("orders-1").build();
 * TransactionalLeaseClient leases =
 *         TransactionalLeaseClient.builder(client, tm).registry(tsr).build();
 *
 * tm.begin();
 * Lease lease = leases.acquire("customer-42", AcquireOptions.defaults());
 * // write through the fenced DataSource: it reads the lease's fence token from the registry
 * tm.commit(); // prepare checks the lease in DynamoDB; released after every branch has committed
 * }</pre>
 *
 * <p>{@code target/ObjectStore} lets the code run as copied; in production use a directory on local
 * persistent storage that survives restarts, belongs to this node alone and is writable by the
 * service's user (e.g. {@code /var/lib/orders/ObjectStore}).
 *
 * <p>Narayana reads its configuration once, when it is first used: call {@link #configure} before
 * anything touches a transaction. Requires {@code narayana-jta} (and {@code jboss-logging}) on the
 * class path. Thread-safe.
 */
public final class NarayanaStandalone {
    private static Path configuredDirectory;

    private NarayanaStandalone() {}

    /**
     * Points all of Narayana's object stores at {@code objectStoreDirectory} and sets its node
     * identifier (also the only node whose orphaned branches recovery rolls back).
     *
     * @param objectStoreDirectory where Narayana keeps its transaction logs; keep it across restarts
     * @param nodeIdentifier this process's node identity, at most 28 bytes (Narayana's limit); use the
     *     same value for {@code DefaultLeaseClient.Builder.node}
     * @throws IllegalStateException if configured before with another directory, or Narayana refuses
     *     the node identifier
     */
    public static synchronized void configure(Path objectStoreDirectory, String nodeIdentifier) {
        Objects.requireNonNull(objectStoreDirectory, "objectStoreDirectory must not be null");
        Objects.requireNonNull(nodeIdentifier, "nodeIdentifier must not be null");
        Path directory = objectStoreDirectory.toAbsolutePath();
        if (configuredDirectory != null) {
            if (!configuredDirectory.equals(directory)) {
                throw new IllegalStateException("Narayana is configured already, with object store "
                        + configuredDirectory + "; it reads its configuration once per JVM");
            }
            return;
        }
        String path = directory.toString();
        BeanPopulator.getDefaultInstance(ObjectStoreEnvironmentBean.class).setObjectStoreDir(path);
        BeanPopulator.getNamedInstance(ObjectStoreEnvironmentBean.class, "communicationStore")
                .setObjectStoreDir(path);
        BeanPopulator.getNamedInstance(ObjectStoreEnvironmentBean.class, "stateStore")
                .setObjectStoreDir(path);
        try {
            arjPropertyManager.getCoreEnvironmentBean().setNodeIdentifier(nodeIdentifier);
        } catch (CoreEnvironmentBeanException e) {
            throw new IllegalStateException(
                    "Narayana refused node identifier '" + nodeIdentifier + "' (at most 28 bytes)", e);
        }
        jtaPropertyManager.getJTAEnvironmentBean().setXaRecoveryNodes(List.of(nodeIdentifier));
        configuredDirectory = directory;
    }

    /** Returns Narayana's transaction manager (configure first). */
    public static TransactionManager transactionManager() {
        return com.arjuna.ats.jta.TransactionManager.transactionManager();
    }

    /** Returns a transaction synchronization registry over Narayana's transactions. */
    public static TransactionSynchronizationRegistry registry() {
        return new TransactionSynchronizationRegistryImple();
    }
}
