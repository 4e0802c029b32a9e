package dev.txlease.ra;

import dev.txlease.LeaseException;
import jakarta.resource.Referenceable;
import java.io.Serializable;

/**
 * What the application injects, for example {@code @Resource(lookup = "java:/txlease/leases")
 * LeaseConnectionFactory leases;}: the adapter's connection factory.
 *
 * <p>Thread-safe: share it; get a connection per use.
 */
public interface LeaseConnectionFactory extends Serializable, Referenceable {
    /**
     * Returns a connection from the container's pool. Inside a container transaction the container
     * enlists the connection's XAResource before this returns, and the leases acquired through it
     * join the transaction.
     *
     * @return the connection; close it (the transaction's leases stay until the transaction ends)
     * @throws LeaseException if the container cannot hand out a connection
     */
    LeaseConnection getConnection();
}
