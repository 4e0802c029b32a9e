package dev.txlease.jta;

import dev.txlease.spi.LeaseStore;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The lease stores that recovery may complete branches on, by {@link LeaseStore#storeId()}: a
 * {@link PreparedLeaseBranch} read back from Narayana's transaction log carries only the store's
 * identity and finds the live store here. {@link LeaseRecoveryHelper} registers its store; the last
 * registration for an identity wins (two stores with one identity hold the same records).
 *
 * <p>Process-wide, like Narayana's recovery manager. Thread-safe.
 */
final class RecoveryStores {
    private static final Map<String, LeaseStore> STORES = new ConcurrentHashMap<>();

    private RecoveryStores() {}

    /** Makes {@code store} the one recovery completes branches of its identity on. */
    static void register(LeaseStore store) {
        STORES.put(store.storeId(), store);
    }

    /** Returns the store registered for {@code storeId}, if any. */
    static Optional<LeaseStore> find(String storeId) {
        return Optional.ofNullable(STORES.get(storeId));
    }
}
