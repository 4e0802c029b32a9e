/** Spring Integration {@code LockRegistry} on txlease leases. */
package dev.txlease.spring.integration;
