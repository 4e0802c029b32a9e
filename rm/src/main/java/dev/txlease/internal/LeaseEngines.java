package dev.txlease.internal;

import dev.txlease.client.DefaultLeaseClient;
import java.util.Objects;
import java.util.function.Function;

/**
 * How the transactional client in this module reaches the engine of a {@link DefaultLeaseClient}
 * without a public method on the client that returns an internal type: the client installs the
 * accessor once, when its class initializes. Not API.
 *
 * <p>Thread-safe.
 */
public final class LeaseEngines {
    private static volatile Function<DefaultLeaseClient, LeaseEngine> accessor;

    private LeaseEngines() {}

    /**
     * Installs the accessor; only {@code DefaultLeaseClient} calls this, once.
     *
     * @param engineOfClient returns the engine of a client
     */
    public static synchronized void install(Function<DefaultLeaseClient, LeaseEngine> engineOfClient) {
        if (accessor != null) {
            throw new IllegalStateException("the engine accessor is installed already");
        }
        accessor = Objects.requireNonNull(engineOfClient, "engineOfClient");
    }

    /**
     * Returns the engine of {@code client}.
     *
     * @param client the client
     * @return its engine
     */
    public static LeaseEngine of(DefaultLeaseClient client) {
        Objects.requireNonNull(client, "client must not be null");
        return accessor.apply(client);
    }
}
