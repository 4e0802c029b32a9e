/**
 * Fencing for JDBC: {@link dev.txlease.jdbc.FencedDataSource} makes the database reject writes
 * whose lease carries a stale fence token, with {@link dev.txlease.jdbc.StaleFenceTokenException}:
 * a token older than that of a holder in an incompatible lock mode that has already passed the check.
 * {@link dev.txlease.jdbc.FencingConnection} switches fenced reads per connection.
 *
 * <p>Also here: {@link dev.txlease.jdbc.LeaseBinding} to bind leases to a thread for local
 * transactions, and {@link dev.txlease.jdbc.GuardTable} / {@link dev.txlease.jdbc.GuardDialect} for
 * the guard table's DDL. The Jdbi plugin is in {@code dev.txlease.jdbc.jdbi}.
 */
package dev.txlease.jdbc;
