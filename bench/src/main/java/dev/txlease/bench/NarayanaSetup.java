package dev.txlease.bench;

import com.arjuna.ats.arjuna.common.CoreEnvironmentBeanException;
import com.arjuna.ats.arjuna.common.ObjectStoreEnvironmentBean;
import com.arjuna.ats.arjuna.common.arjPropertyManager;
import com.arjuna.ats.internal.jta.transaction.arjunacore.TransactionSynchronizationRegistryImple;
import com.arjuna.common.internal.util.propertyservice.BeanPopulator;
import jakarta.transaction.TransactionManager;
import jakarta.transaction.TransactionSynchronizationRegistry;
import java.nio.file.Path;

/**
 * Standalone Narayana in this JVM for the transaction measure, configured once before first use:
 * its object store under {@code target/narayana-bench-<pid>/} of the bench module, node identifier
 * {@value #NODE}, the default transaction timeout, no recovery (nothing crashes here).
 *
 * <p>Narayana's configuration is process-wide. Thread-safe.
 */
final class NarayanaSetup {
    /** Narayana's node identifier. */
    static final String NODE = "txlease-bench";

    private static boolean configured; // guarded by NarayanaSetup.class

    private NarayanaSetup() {}

    private static synchronized void configure() {
        if (configured) {
            return;
        }
        String directory = BenchMain.moduleDirectory()
                .resolve(Path.of(
                        "target", "narayana-bench-" + ProcessHandle.current().pid()))
                .toAbsolutePath()
                .toString();
        BeanPopulator.getDefaultInstance(ObjectStoreEnvironmentBean.class).setObjectStoreDir(directory);
        BeanPopulator.getNamedInstance(ObjectStoreEnvironmentBean.class, "communicationStore")
                .setObjectStoreDir(directory);
        BeanPopulator.getNamedInstance(ObjectStoreEnvironmentBean.class, "stateStore")
                .setObjectStoreDir(directory);
        try {
            arjPropertyManager.getCoreEnvironmentBean().setNodeIdentifier(NODE);
        } catch (CoreEnvironmentBeanException e) {
            throw new IllegalStateException("could not set Narayana's node identifier", e);
        }
        configured = true;
    }

    /** Returns Narayana's transaction manager. */
    static TransactionManager transactionManager() {
        configure();
        return com.arjuna.ats.jta.TransactionManager.transactionManager();
    }

    /** Returns Narayana's transaction synchronization registry. */
    static TransactionSynchronizationRegistry registry() {
        configure();
        return new TransactionSynchronizationRegistryImple();
    }
}
