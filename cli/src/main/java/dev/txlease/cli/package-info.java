/**
 * The {@code txlease} command-line tool for operators: create the lease table, list and inspect
 * leases, force a release, find the prepared transaction branches of a node, check a database's
 * guard table against the lease table. Not API: its output (JSON field names included) and exit
 * codes are documented in the README ("Command-line tool").
 */
package dev.txlease.cli;
