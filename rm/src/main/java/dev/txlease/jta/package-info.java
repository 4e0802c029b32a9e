/**
 * Leases that take part in JTA transactions: {@link dev.txlease.jta.TransactionalLeaseClient}
 * enlists an XAResource per transaction and lease store, whose prepare checks the leases and whose
 * commit or rollback releases them; {@link dev.txlease.jta.LeaseRecoveryHelper} plugs the lease
 * store into Narayana's XA recovery. Every other class of the package is internal.
 */
package dev.txlease.jta;
