/**
 * Leases that take part in JTA transactions: {@link dev.txlease.jta.TransactionalLeaseClient}
 * enlists an XAResource per transaction and lease store, whose prepare checks the leases and whose
 * commit or rollback releases them; {@link dev.txlease.jta.LeaseRecovery} gives the XAResource that
 * a transaction manager recovers lease branches with ({@code dev.txlease.jta.narayana} plugs it into
 * Narayana). Every other class of the package is internal.
 */
package dev.txlease.jta;
