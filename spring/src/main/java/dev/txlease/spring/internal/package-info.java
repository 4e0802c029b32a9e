/** Not API: helpers shared by the Spring Integration and ShedLock adapters. */
package dev.txlease.spring.internal;
