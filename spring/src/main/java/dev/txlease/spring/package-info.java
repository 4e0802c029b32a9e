/** Spring integration of txlease. */
package dev.txlease.spring;
