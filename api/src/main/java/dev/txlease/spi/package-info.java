/** The service provider interface for lease store backends: {@link dev.txlease.spi.LeaseStore}. */
package dev.txlease.spi;
