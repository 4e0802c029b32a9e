/** Spring Boot auto-configuration of txlease from {@code txlease.*} properties. */
package dev.txlease.spring.boot;
