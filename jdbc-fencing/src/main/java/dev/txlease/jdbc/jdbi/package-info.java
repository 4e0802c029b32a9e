/**
 * Jdbi integration: {@link dev.txlease.jdbc.jdbi.FencingPlugin} fences every handle of a Jdbi,
 * configured through {@link dev.txlease.jdbc.jdbi.FencingConfig}.
 */
package dev.txlease.jdbc.jdbi;
