package dev.txlease.jta;

import com.arjuna.ats.arjuna.common.arjPropertyManager;
import com.arjuna.ats.arjuna.common.recoveryPropertyManager;
import com.arjuna.ats.arjuna.recovery.RecoveryManager;
import com.arjuna.ats.internal.jta.recovery.arjunacore.XARecoveryModule;
import com.arjuna.ats.jta.common.jtaPropertyManager;
import jakarta.transaction.TransactionManager;
import jakarta.transaction.TransactionSynchronizationRegistry;
import java.nio.file.Path;

/**
 * Standalone Narayana for this JVM's tests, configured once before first use: its object store under
 * {@code target/narayana/}, one per JVM (a child JVM that shares it is the "same process restarted"),
 * node identifier {@link #NODE}, no transaction timeout unless a test sets one (so an unrenewed lease
 * may expire inside a transaction), recovery in direct management (no background thread, no listener
 * socket; tests call {@code scan()}), a one-second backoff between recovery passes.
 *
 * <p>Narayana's configuration is process-wide: every test in this JVM shares it. Thread-safe.
 */
final class Narayana {
    /** Narayana's node identifier (and the one recovery rolls orphans back for). */
    static final String NODE = "txlease-test";

    private static Path objectStore;
    private static RecoveryManager recoveryManager;

    private Narayana() {}

    /** Configures Narayana with a fresh object store under {@code target/}, once per JVM. */
    static synchronized Path objectStore() {
        if (objectStore == null) {
            Path directory = Path.of(
                    "target",
                    "narayana",
                    "objectstore-" + ProcessHandle.current().pid());
            configure(directory.toAbsolutePath());
        }
        return objectStore;
    }

    /** Configures Narayana over {@code directory} (a child JVM passes its parent's). Call once, first. */
    static synchronized void configure(Path directory) {
        if (objectStore != null) {
            throw new IllegalStateException("Narayana is configured already, over " + objectStore);
        }
        NarayanaStandalone.configure(directory, NODE);
        arjPropertyManager.getCoordinatorEnvironmentBean().setDefaultTimeout(0);
        jtaPropertyManager.getJTAEnvironmentBean().setOrphanSafetyInterval(0);
        recoveryPropertyManager.getRecoveryEnvironmentBean().setRecoveryBackoffPeriod(1);
        recoveryPropertyManager.getRecoveryEnvironmentBean().setRecoveryListener(false);
        objectStore = directory;
    }

    /** Returns Narayana's transaction manager. */
    static TransactionManager transactionManager() {
        objectStore();
        return NarayanaStandalone.transactionManager();
    }

    /** Returns a transaction synchronization registry over it. */
    static TransactionSynchronizationRegistry registry() {
        objectStore();
        return NarayanaStandalone.registry();
    }

    /** Returns the recovery manager, in direct management: nothing runs until {@code scan()}. */
    static synchronized RecoveryManager recoveryManager() {
        objectStore();
        if (recoveryManager == null) {
            RecoveryManager.delayRecoveryManagerThread();
            recoveryManager = RecoveryManager.manager(RecoveryManager.DIRECT_MANAGEMENT);
        }
        return recoveryManager;
    }

    /** Returns the XA recovery module that helpers register with. */
    static XARecoveryModule xaRecoveryModule() {
        recoveryManager();
        XARecoveryModule module = XARecoveryModule.getRegisteredXARecoveryModule();
        if (module == null) {
            throw new IllegalStateException("Narayana's recovery manager has no XARecoveryModule");
        }
        return module;
    }
}
