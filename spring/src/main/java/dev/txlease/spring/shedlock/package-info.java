/** A ShedLock {@code LockProvider} on txlease leases. */
package dev.txlease.spring.shedlock;
