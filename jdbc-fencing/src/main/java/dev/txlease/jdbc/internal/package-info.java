/**
 * Implementation of txlease-jdbc-fencing: the connection and statement wrappers, the guard-table
 * statements and the lease sources. Not API: anything here may change in any release.
 */
package dev.txlease.jdbc.internal;
