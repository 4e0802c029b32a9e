package dev.txlease.testing;

import com.arjuna.ats.arjuna.common.arjPropertyManager;
import com.arjuna.ats.arjuna.common.recoveryPropertyManager;
import com.arjuna.ats.arjuna.recovery.RecoveryManager;
import com.arjuna.ats.internal.jta.recovery.arjunacore.XARecoveryModule;
import com.arjuna.ats.jta.common.jtaPropertyManager;
import com.arjuna.ats.jta.recovery.XAResourceRecoveryHelper;
import dev.txlease.jta.narayana.NarayanaStandalone;
import jakarta.transaction.SystemException;
import jakarta.transaction.TransactionManager;
import jakarta.transaction.TransactionSynchronizationRegistry;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Narayana in this JVM for tests, as a JUnit 5 extension: register it in a static field,
 *
 * <pre>
 * &#64;RegisterExtension static final InProcessNarayana NARAYANA = new InProcessNarayana();
 * </pre>
 *
 * <p>Narayana reads its configuration once per JVM, so every instance shares one setup, made on first
 * use: object store under {@code target/narayana/objectstore-<pid>} (a child JVM that is given the
 * same directory with {@link #configure} plays "the same process restarted"), node identifier
 * {@link #NODE} (also the only node whose orphaned branches recovery rolls back), no transaction
 * timeout unless a test sets one (so an unrenewed lease may expire inside a transaction), recovery in
 * direct management (no background thread, no listener socket; tests call {@code scan()}) with a
 * one-second backoff between passes.
 *
 * <p>After each test it rolls back a transaction the test left on its thread and resets the
 * thread's transaction timeout. Thread-safe.
 */
public final class InProcessNarayana implements AfterEachCallback {
    /** Narayana's node identifier. */
    public static final String NODE = "txlease-test";

    private static Path objectStore;
    private static RecoveryManager recoveryManager;

    @Override
    public void afterEach(ExtensionContext context) throws SystemException {
        TransactionManager transactionManager = transactionManager();
        if (transactionManager.getTransaction() != null) {
            transactionManager.rollback();
        }
        transactionManager.setTransactionTimeout(0);
    }

    /** Configures Narayana with a fresh object store under {@code target/}, once per JVM. */
    public static synchronized Path objectStore() {
        if (objectStore == null) {
            configure(Path.of(
                            "target",
                            "narayana",
                            "objectstore-" + ProcessHandle.current().pid())
                    .toAbsolutePath());
        }
        return objectStore;
    }

    /** Configures Narayana over {@code directory} (a child JVM passes its parent's). Call once, first. */
    public static synchronized void configure(Path directory) {
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
    public static TransactionManager transactionManager() {
        objectStore();
        return NarayanaStandalone.transactionManager();
    }

    /** Returns a transaction synchronization registry over it. */
    public static TransactionSynchronizationRegistry registry() {
        objectStore();
        return NarayanaStandalone.registry();
    }

    /** Returns the recovery manager, in direct management: nothing runs until {@code scan()}. */
    public static synchronized RecoveryManager recoveryManager() {
        objectStore();
        if (recoveryManager == null) {
            RecoveryManager.delayRecoveryManagerThread();
            recoveryManager = RecoveryManager.manager(RecoveryManager.DIRECT_MANAGEMENT);
        }
        return recoveryManager;
    }

    /** Returns the XA recovery module that helpers register with. */
    public static XARecoveryModule xaRecoveryModule() {
        recoveryManager();
        XARecoveryModule module = XARecoveryModule.getRegisteredXARecoveryModule();
        if (module == null) {
            throw new IllegalStateException("Narayana's recovery manager has no XARecoveryModule");
        }
        return module;
    }

    /** Runs {@code check} with {@code helpers} registered for recovery, and removes them afterwards. */
    public static synchronized void withRecoveryHelpers(List<XAResourceRecoveryHelper> helpers, RecoveryCheck check)
            throws Exception {
        RecoveryManager recovery = recoveryManager();
        XARecoveryModule module = xaRecoveryModule();
        helpers.forEach(module::addXAResourceRecoveryHelper);
        try {
            check.run(recovery);
        } finally {
            helpers.forEach(module::removeXAResourceRecoveryHelper);
        }
    }

    /** What a test does while its recovery helpers are registered. */
    @FunctionalInterface
    public interface RecoveryCheck {
        /** Runs recovery passes ({@code recovery.scan()}) and checks their effect. */
        void run(RecoveryManager recovery) throws Exception;
    }
}
