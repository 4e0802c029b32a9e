package dev.txlease.micrometer;

import dev.txlease.FenceToken;
import dev.txlease.LockMode;
import dev.txlease.jdbc.FenceConflictException;
import dev.txlease.jdbc.FenceObserver;
import dev.txlease.jdbc.StaleFenceTokenException;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The metrics of a {@link dev.txlease.jdbc.FencedDataSource} (or of the Jdbi plugin): register it
 * on the data source's builder (it observes the fence checks) and bind it to a registry.
 *
 * <!-- snippet: micrometer-fencing -->
 * <pre>{@code
 * FencedDataSourceMetrics fencing = new FencedDataSourceMetrics(Tags.of("db", "orders"));
 * FencedDataSource fenced =
 *         FencedDataSource.builder(pool).observer(fencing).build();
 * fencing.bindTo(registry);
 * }</pre>
 *
 * <p>One timer, {@value #FENCE_CHECKS}, with the tags {@code mode} (the lease's lock mode) and {@code
 * outcome}: {@code passed}, {@code stale}
 * (a newer fence token has written: {@link StaleFenceTokenException}), {@code conflict} (a
 * serialization failure or deadlock on the guard row: {@link FenceConflictException}) or {@code
 * error} (any other failure of the guard statements). Its count per outcome is the number of checks,
 * rejections and conflicts; its times are the checks' latency. Events before {@link #bindTo} are not
 * counted. Thread-safe.
 */
public final class FencedDataSourceMetrics implements MeterBinder, FenceObserver {
    /** Timer of fence checks, tag {@code outcome}. */
    public static final String FENCE_CHECKS = "txlease.fence.checks";

    private final Tags tags;
    private final CopyOnWriteArrayList<MeterRegistry> registries = new CopyOnWriteArrayList<>();

    /** Creates metrics without extra tags. */
    public FencedDataSourceMetrics() {
        this(Tags.empty());
    }

    /**
     * Creates metrics whose meters carry {@code tags} (for example the database's name).
     *
     * @param tags the common tags
     */
    public FencedDataSourceMetrics(Iterable<Tag> tags) {
        this.tags = Tags.of(Objects.requireNonNull(tags, "tags must not be null"));
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        Objects.requireNonNull(registry, "registry must not be null");
        for (String outcome : List.of("passed", "stale", "conflict", "error")) {
            timer(registry, LockMode.EX, outcome); // other modes appear when used
        }
        registries.addIfAbsent(registry); // bound twice to one registry (by hand and by Spring Boot): counted once
    }

    @Override
    public void checked(String lockName, FenceToken token, LockMode mode, Duration elapsed, SQLException failure) {
        String outcome = failure == null
                ? "passed"
                : failure instanceof StaleFenceTokenException
                        ? "stale"
                        : failure instanceof FenceConflictException ? "conflict" : "error";
        for (MeterRegistry registry : registries) {
            timer(registry, mode, outcome).record(elapsed);
        }
    }

    @Override
    public String toString() {
        return "FencedDataSourceMetrics[tags=" + tags + "]";
    }

    private Timer timer(MeterRegistry registry, LockMode mode, String outcome) {
        return Timer.builder(FENCE_CHECKS)
                .description("Fence checks of leases in database transactions, by mode and outcome")
                .tags(tags)
                .tag("mode", mode.name())
                .tag("outcome", outcome)
                .register(registry);
    }
}
