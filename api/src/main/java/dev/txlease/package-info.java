/**
 * The txlease API: {@link dev.txlease.LeaseClient}, {@link dev.txlease.Lease}, {@link
 * dev.txlease.FenceToken}, {@link dev.txlease.AcquireOptions} and the exceptions rooted at {@link
 * dev.txlease.LeaseException}.
 */
package dev.txlease;
