/**
 * Micrometer metrics for txlease: {@link dev.txlease.micrometer.LeaseClientMetrics} for a lease
 * client and {@link dev.txlease.micrometer.FencedDataSourceMetrics} for a fenced data source. Each
 * is both the observer registered on the builder and the {@code MeterBinder} bound to a registry.
 * The meter names and tags are listed in the README ("Metrics").
 */
package dev.txlease.micrometer;
