package dev.txlease.bench;

import dev.txlease.jta.narayana.NarayanaStandalone;
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

    private NarayanaSetup() {}

    private static void configure() {
        NarayanaStandalone.configure(
                BenchMain.moduleDirectory()
                        .resolve(Path.of(
                                "target",
                                "narayana-bench-" + ProcessHandle.current().pid())),
                NODE);
    }

    /** Returns Narayana's transaction manager. */
    static TransactionManager transactionManager() {
        configure();
        return NarayanaStandalone.transactionManager();
    }

    /** Returns Narayana's transaction synchronization registry. */
    static TransactionSynchronizationRegistry registry() {
        configure();
        return NarayanaStandalone.registry();
    }
}
