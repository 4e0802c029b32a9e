/**
 * The {@code txlease} command-line tool for operators: create the lease table, list and inspect
 * leases, force a release, find the prepared transaction branches of a node. Not API: its output
 * and exit codes are documented in the README ("Command-line tool").
 */
package dev.txlease.cli;
