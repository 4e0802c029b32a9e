/**
 * Narayana-specific setup for txlease's JTA resource manager, kept out of {@code dev.txlease.jta}:
 * {@link dev.txlease.jta.narayana.LeaseRecoveryHelper} plugs lease recovery into Narayana's XA
 * recovery, {@link dev.txlease.jta.narayana.NarayanaStandalone} configures Narayana in plain Java.
 * Needs {@code narayana-jta} on the class path.
 */
package dev.txlease.jta.narayana;
