package dev.txlease.spring;

import dev.txlease.LockMode;
import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Runs the annotated method under a lease on the lock its {@link #value()} expression names:
 *
 * <pre>{@code
 * @Leased("'customer-' + #customerId")
 * @Transactional
 * public void credit(long customerId, long amount, Lease lease) {
 *     jdbc.update("UPDATE account SET balance = balance + ? WHERE id = ?", amount, customerId);
 * }
 * }</pre>
 *
 * <p>The lease is acquired before the method runs (waiting up to {@link #waitTimeout()}), through
 * the application's {@code LeaseClient} bean. Inside a Spring transaction it joins that transaction
 * (see {@link SpringTransactionalLeaseClient}): the transaction's statements are fenced, and the
 * lease is released after the commit or rollback. Outside a transaction it is released when the
 * method returns or throws, which is after the commit of a {@code @Transactional} the method starts.
 * Outside a transaction the lease is not reentrant: a nested {@code @Leased} call on the same lock
 * waits for it.
 *
 * <p>The lease is available to the method as a parameter of type {@link dev.txlease.Lease} (the
 * caller passes {@code null}; the fence token is {@code lease.fenceToken()}), and inside a
 * transaction from {@link SpringTransactionLeases#current(String)}.
 *
 * <p>Expressions, durations and options are checked when the bean is created: a bad one fails the
 * application's start-up with a message naming the method. Durations are ISO-8601 ({@code "PT10S"})
 * or a number with a unit ({@code "10s"}, {@code "500ms"}); an empty string keeps the default of
 * {@link dev.txlease.AcquireOptions}. Enable with a {@link LeasedAnnotationBeanPostProcessor} bean
 * (the Boot auto-configuration declares one).
 */
@Target(ElementType.METHOD)
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface Leased {

    /**
     * The lock name: a SpEL expression over the method's arguments, by name ({@code #customerId},
     * needs {@code -parameters}) or position ({@code #p0}, {@code #a0}); the bean is {@code #root}.
     *
     * @return the expression
     */
    String value();

    /**
     * The lease duration; empty for the default.
     *
     * @return the duration
     */
    String leaseDuration() default "";

    /**
     * How long to wait for a held lock before failing with {@code LeaseTimeoutException}; {@code "0s"}
     * does not wait. Empty for the default.
     *
     * @return the duration
     */
    String waitTimeout() default "";

    /**
     * The heartbeat period; {@code "0s"} turns heartbeats off. Empty for a third of the lease
     * duration.
     *
     * @return the duration
     */
    String heartbeatPeriod() default "";

    /**
     * The lock mode (see {@link LockMode} for which modes may be held together): {@link LockMode#PR}
     * for a method that only reads, so that readers run beside each other and exclude writers.
     * Under a read mode the fenced DataSource guards the method's writes, and its queries only with
     * fenced reads ({@code txlease.fencing.fenced-reads}). Inside a transaction that already holds
     * the lock, the method joins that lease, in the mode it was acquired in.
     *
     * @return the mode, {@link LockMode#EX} by default
     */
    LockMode mode() default LockMode.EX;
}
