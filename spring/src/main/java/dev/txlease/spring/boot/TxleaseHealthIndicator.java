package dev.txlease.spring.boot;

import dev.txlease.LeaseClient;
import dev.txlease.client.DefaultLeaseClient;
import dev.txlease.spring.SpringTransactionalLeaseClient;
import java.util.Objects;
import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;

/**
 * Health of txlease: UP when the lease store answers a read (one consistent read of a probe lock
 * name), DOWN with the failure otherwise. Details: the client's owner, the leases it holds and
 * renews, and the leases lost since start-up.
 *
 * <p>Thread-safe.
 */
public class TxleaseHealthIndicator extends AbstractHealthIndicator {
    /** The lock name the probe reads; it is never acquired. */
    public static final String PROBE_LOCK = "txlease-health-probe";

    private final DefaultLeaseClient client;
    private final LeaseClient leaseClient;

    /**
     * Creates the indicator.
     *
     * @param client the client that talks to the store
     * @param leaseClient the application's lease client (counts lost leases if it is a {@link
     *     SpringTransactionalLeaseClient})
     */
    public TxleaseHealthIndicator(DefaultLeaseClient client, LeaseClient leaseClient) {
        super("txlease health check failed");
        this.client = Objects.requireNonNull(client, "client must not be null");
        this.leaseClient = Objects.requireNonNull(leaseClient, "leaseClient must not be null");
    }

    @Override
    protected void doHealthCheck(Health.Builder builder) {
        builder.withDetail("owner", client.owner()).withDetail("heldLeases", client.heldLeases());
        if (leaseClient instanceof SpringTransactionalLeaseClient) {
            builder.withDetail("lostLeases", ((SpringTransactionalLeaseClient) leaseClient).lostLeases());
        }
        client.inspect(PROBE_LOCK); // throws LeaseStoreUnavailableException when the store is unreachable
        builder.withDetail("store", client.store().storeId()).up();
    }
}
