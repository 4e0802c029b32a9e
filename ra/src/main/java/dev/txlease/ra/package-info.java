/**
 * The Jakarta Connectors resource adapter for txlease: the application injects a {@link
 * dev.txlease.ra.LeaseConnectionFactory}, and leases acquired through a {@link
 * dev.txlease.ra.LeaseConnection} inside a container transaction join it; the container enlists the
 * adapter's XAResource and drives its recovery. The other public classes are named in the
 * adapter's {@code ra.xml} and are not for application code.
 */
package dev.txlease.ra;
