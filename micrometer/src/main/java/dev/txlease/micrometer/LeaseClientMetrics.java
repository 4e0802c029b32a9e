package dev.txlease.micrometer;

import dev.txlease.Lease;
import dev.txlease.LeaseLostException;
import dev.txlease.LeaseStoreUnavailableException;
import dev.txlease.LockMode;
import dev.txlease.LossCause;
import dev.txlease.client.AcquireOutcome;
import dev.txlease.client.DefaultLeaseClient;
import dev.txlease.client.LeaseClientObserver;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.transaction.xa.XAException;
import javax.transaction.xa.XAResource;

/**
 * The metrics of one {@link DefaultLeaseClient}: register it on the client's builder (it observes
 * the client) and bind it to a registry (it records there).
 *
 * <!-- snippet: micrometer-client -->
 * <pre>{@code
 * LeaseClientMetrics metrics = new LeaseClientMetrics(Tags.of("client", "orders"));
 * DefaultLeaseClient client =
 *         DefaultLeaseClient.builder(store).observer(metrics).build();
 * metrics.bindTo(registry); // Spring Boot binds every MeterBinder bean itself
 * }</pre>
 *
 * <p>Meters (every one carries the tags given to the constructor):
 *
 * <ul>
 *   <li>{@value #ACQUIRE} (timer; tags {@code mode}: EX, PW, PR, CW, CR, NL, and {@code outcome}:
 *       granted, not_granted, timeout, store_unavailable, failed): every acquisition, waiting
 *       included;
 *   <li>{@value #TAKEOVERS} (counter): grants that took over a lock its holder stopped renewing;
 *   <li>{@value #LEASES_HELD} (gauge): leases the client holds and renews;
 *   <li>{@value #RENEWALS} (timer; tag {@code outcome}: renewed, lost, store_unavailable, failed);
 *   <li>{@value #HEARTBEAT_PENDING} (gauge): renewals due and not started, the heartbeat backlog;
 *   <li>{@value #HEARTBEAT_LATENESS} (timer): how late each heartbeat's renewal started;
 *   <li>{@value #LEASES_LOST} (counter; tag {@code cause}: taken_over, store_unreachable,
 *       expired_locally);
 *   <li>{@value #PREPARE_VOTES} (counter; tag {@code vote}: XA_OK, XA_RBINTEGRITY, XA_RBTIMEOUT,
 *       XA_RBCOMMFAIL, XA_RBROLLBACK, XA_RBOTHER);
 *   <li>{@value #RECOVERY_COMPLETIONS} (counter; tag {@code outcome}: commit, rollback): prepared
 *       branches that recovery completed, through {@code LeaseRecovery.xaResource(client)}.
 * </ul>
 *
 * <p>Events before {@link #bindTo} are not counted; bind it before the client is used. One instance
 * observes one client; it may be bound to several registries. Thread-safe.
 */
public final class LeaseClientMetrics implements MeterBinder, LeaseClientObserver {
    /** Timer of acquisitions, tag {@code outcome}. */
    public static final String ACQUIRE = "txlease.acquire";
    /** Counter of takeovers. */
    public static final String TAKEOVERS = "txlease.takeovers";
    /** Gauge of held leases. */
    public static final String LEASES_HELD = "txlease.leases.held";
    /** Timer of renewals, tag {@code outcome}. */
    public static final String RENEWALS = "txlease.renewals";
    /** Gauge of renewals due and not started. */
    public static final String HEARTBEAT_PENDING = "txlease.heartbeat.pending";
    /** Timer of how late heartbeat renewals started. */
    public static final String HEARTBEAT_LATENESS = "txlease.heartbeat.lateness";
    /** Counter of lost leases, tag {@code cause}. */
    public static final String LEASES_LOST = "txlease.leases.lost";
    /** Counter of prepare votes, tag {@code vote}. */
    public static final String PREPARE_VOTES = "txlease.jta.prepare.votes";
    /** Counter of branches completed by recovery, tag {@code outcome}. */
    public static final String RECOVERY_COMPLETIONS = "txlease.jta.recovery.completions";

    private final Tags tags;
    private final CopyOnWriteArrayList<MeterRegistry> registries = new CopyOnWriteArrayList<>();
    private volatile DefaultLeaseClient client;

    /** Creates metrics without extra tags. */
    public LeaseClientMetrics() {
        this(Tags.empty());
    }

    /**
     * Creates metrics whose meters carry {@code tags} (for example the client's role, to tell
     * several clients apart).
     *
     * @param tags the common tags
     */
    public LeaseClientMetrics(Iterable<Tag> tags) {
        this.tags = Tags.of(Objects.requireNonNull(tags, "tags must not be null"));
    }

    /**
     * {@inheritDoc}
     *
     * @throws IllegalStateException if this instance already observes another client
     */
    @Override
    public synchronized void attached(DefaultLeaseClient attachedClient) {
        if (client != null && client != attachedClient) {
            throw new IllegalStateException("LeaseClientMetrics " + tags + " already observes " + client
                    + "; create one LeaseClientMetrics per client (tell them apart with tags)");
        }
        client = attachedClient;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        Objects.requireNonNull(registry, "registry must not be null");
        Gauge.builder(LEASES_HELD, this, metrics -> metrics.read(true))
                .description("Leases the client holds and renews")
                .tags(tags)
                .register(registry);
        Gauge.builder(HEARTBEAT_PENDING, this, metrics -> metrics.read(false))
                .description("Renewals that are due and have not started: the heartbeat backlog")
                .tags(tags)
                .register(registry);
        for (AcquireOutcome outcome : AcquireOutcome.values()) {
            acquireTimer(registry, LockMode.EX, tagValue(outcome)); // other modes appear when used
        }
        for (String outcome : List.of("renewed", "lost", "store_unavailable", "failed")) {
            renewalTimer(registry, outcome);
        }
        for (LossCause cause : LossCause.values()) {
            lostCounter(registry, tagValue(cause));
        }
        takeovers(registry);
        lateness(registry);
        registries.addIfAbsent(registry); // bound twice to one registry (by hand and by Spring Boot): counted once
    }

    @Override
    public void acquireEnded(String lockName, LockMode mode, AcquireOutcome outcome, Duration elapsed) {
        for (MeterRegistry registry : registries) {
            acquireTimer(registry, mode, tagValue(outcome)).record(elapsed);
        }
    }

    @Override
    public void tookOver(Lease lease, String previousOwner) {
        for (MeterRegistry registry : registries) {
            takeovers(registry).increment();
        }
    }

    @Override
    public void renewalEnded(Lease lease, Duration elapsed, RuntimeException failure) {
        String outcome = failure == null
                ? "renewed"
                : failure instanceof LeaseLostException
                        ? "lost"
                        : failure instanceof LeaseStoreUnavailableException ? "store_unavailable" : "failed";
        for (MeterRegistry registry : registries) {
            renewalTimer(registry, outcome).record(elapsed);
        }
    }

    @Override
    public void renewalStarted(Duration lateness) {
        for (MeterRegistry registry : registries) {
            lateness(registry).record(lateness);
        }
    }

    @Override
    public void leaseLost(Lease lease, LossCause cause) {
        for (MeterRegistry registry : registries) {
            lostCounter(registry, tagValue(cause)).increment();
        }
    }

    @Override
    public void prepareVoted(int xaCode) {
        for (MeterRegistry registry : registries) {
            Counter.builder(PREPARE_VOTES)
                    .description("Prepare votes of lease transaction branches, by XA code")
                    .tags(tags)
                    .tag("vote", voteName(xaCode))
                    .register(registry)
                    .increment();
        }
    }

    @Override
    public void branchRecovered(boolean committed) {
        for (MeterRegistry registry : registries) {
            Counter.builder(RECOVERY_COMPLETIONS)
                    .description("Prepared lease branches completed by recovery")
                    .tags(tags)
                    .tag("outcome", committed ? "commit" : "rollback")
                    .register(registry)
                    .increment();
        }
    }

    @Override
    public String toString() {
        return "LeaseClientMetrics[tags=" + tags + ", client=" + client + "]";
    }

    private double read(boolean held) {
        DefaultLeaseClient current = client;
        if (current == null) {
            return Double.NaN;
        }
        return held ? current.heldLeases() : current.pendingRenewals();
    }

    private Timer acquireTimer(MeterRegistry registry, LockMode mode, String outcome) {
        return Timer.builder(ACQUIRE)
                .description("Lease acquisitions, waiting included, by mode and outcome")
                .tags(tags)
                .tag("mode", mode.name())
                .tag("outcome", outcome)
                .register(registry);
    }

    private Timer renewalTimer(MeterRegistry registry, String outcome) {
        return Timer.builder(RENEWALS)
                .description("Lease renewals, by outcome")
                .tags(tags)
                .tag("outcome", outcome)
                .register(registry);
    }

    private Counter lostCounter(MeterRegistry registry, String cause) {
        return Counter.builder(LEASES_LOST)
                .description("Leases lost, by cause")
                .tags(tags)
                .tag("cause", cause)
                .register(registry);
    }

    private Counter takeovers(MeterRegistry registry) {
        return Counter.builder(TAKEOVERS)
                .description("Grants that took over a lock whose holder stopped renewing it")
                .tags(tags)
                .register(registry);
    }

    private Timer lateness(MeterRegistry registry) {
        return Timer.builder(HEARTBEAT_LATENESS)
                .description("How late heartbeat renewals started after they were due")
                .tags(tags)
                .register(registry);
    }

    private static String tagValue(Enum<?> value) {
        return value.name().toLowerCase(Locale.ROOT);
    }

    /** The symbolic name of a prepare vote. */
    static String voteName(int xaCode) {
        return switch (xaCode) {
            case XAResource.XA_OK -> "XA_OK";
            case XAException.XA_RBROLLBACK -> "XA_RBROLLBACK";
            case XAException.XA_RBCOMMFAIL -> "XA_RBCOMMFAIL";
            case XAException.XA_RBDEADLOCK -> "XA_RBDEADLOCK";
            case XAException.XA_RBINTEGRITY -> "XA_RBINTEGRITY";
            case XAException.XA_RBOTHER -> "XA_RBOTHER";
            case XAException.XA_RBPROTO -> "XA_RBPROTO";
            case XAException.XA_RBTIMEOUT -> "XA_RBTIMEOUT";
            case XAException.XA_RBTRANSIENT -> "XA_RBTRANSIENT";
            default -> "XA_" + xaCode;
        };
    }
}
