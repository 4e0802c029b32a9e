package dev.txlease.it.app;

import dev.txlease.AcquireOptions;
import dev.txlease.Lease;
import dev.txlease.LeaseInfo;
import dev.txlease.TransactionLeases;
import dev.txlease.jdbc.FencedDataSource;
import dev.txlease.ra.LeaseConnection;
import dev.txlease.ra.LeaseConnectionFactory;
import jakarta.annotation.Resource;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Synchronization;
import jakarta.transaction.TransactionManager;
import jakarta.transaction.TransactionSynchronizationRegistry;
import jakarta.transaction.Transactional;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Collection;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import javax.sql.DataSource;
import javax.sql.XAConnection;
import org.h2.jdbcx.JdbcDataSource;

/**
 * The test application's transactional methods: leases from the adapter, writes through a {@link
 * FencedDataSource} over the container's XA datasource. The application never touches the
 * transaction manager for the lease; only the test probe (a second XA resource) is enlisted by hand.
 */
@ApplicationScoped
public class Scenarios {
    static final String DATA_SOURCE = "java:jboss/datasources/LeaseItDS";

    @Resource(lookup = "java:/txlease/leases")
    LeaseConnectionFactory leases;

    @Resource(lookup = DATA_SOURCE)
    DataSource dataSource;

    @Resource
    TransactionSynchronizationRegistry registry;

    @Resource(lookup = "java:/TransactionManager")
    TransactionManager transactionManager;

    private volatile FencedDataSource fenced;
    private volatile CountDownLatch acquired = new CountDownLatch(1);
    private volatile CountDownLatch resume = new CountDownLatch(1);

    /** Creates the tables, outside any transaction (DDL through a fenced connection would commit). */
    public void setUp() throws SQLException {
        fenced().createGuardTable();
        try (Connection connection = dataSource.getConnection();
                PreparedStatement create = connection.prepareStatement("CREATE TABLE IF NOT EXISTS account"
                        + " (name VARCHAR(64) PRIMARY KEY, holder VARCHAR(64), token BIGINT)")) {
            create.execute();
        }
    }

    /**
     * Acquires {@code lock} through the adapter and writes {@code holder} through the fenced
     * DataSource; rolls back at the end if {@code fail}. With {@code probe} (none, "record" or
     * "halt"), a second XA resource is enlisted first.
     */
    @Transactional
    public String write(String lock, String holder, Duration leaseDuration, String probe, boolean fail)
            throws Exception {
        AtomicReference<Lease> acquiredLease = new AtomicReference<>();
        ProbeXAResource probeResource =
                "none".equals(probe) ? null : enlistProbe(lock, "halt".equals(probe), acquiredLease);
        StringBuilder report = new StringBuilder();
        try (LeaseConnection connection = leases.getConnection()) {
            Lease lease = connection.acquire(lock, options(leaseDuration));
            acquiredLease.set(lease);
            report.append("token=").append(lease.fenceToken().value());
            Collection<?> published = (Collection<?>) registry.getResource(TransactionLeases.REGISTRY_KEY);
            report.append(" published=").append(published != null && published.contains(lease));
            upsert(lock, holder, lease.fenceToken().value());
        }
        if (probeResource != null) {
            registry.registerInterposedSynchronization(new Synchronization() {
                @Override
                public void beforeCompletion() {}

                @Override
                public void afterCompletion(int status) {
                    ProbeLog.record(lock, probeResource.calls().toString());
                }
            });
        }
        if (fail) {
            throw new IllegalStateException("rolled back on purpose: " + report);
        }
        return report.toString();
    }

    /**
     * The stale holder of the Kleppmann scenario: acquires {@code lock} with a short lease (renewed),
     * says so, waits until the test lets it go (after pausing the JVM past the lease), then writes.
     */
    @Transactional
    public String staleWrite(String lock, Duration leaseDuration) throws Exception {
        try (LeaseConnection connection = leases.getConnection()) {
            Lease lease = connection.acquire(
                    lock,
                    AcquireOptions.builder()
                            .leaseDuration(leaseDuration)
                            .heartbeatPeriod(leaseDuration.dividedBy(4))
                            .build());
            acquired.countDown();
            if (!resume.await(60, TimeUnit.SECONDS)) {
                throw new IllegalStateException("never resumed");
            }
            try {
                upsert(lock, "stale", lease.fenceToken().value());
            } catch (SQLException e) {
                throw new IllegalStateException("token=" + lease.fenceToken().value() + " rejected: " + e, e);
            }
            return "token=" + lease.fenceToken().value();
        }
    }

    public boolean awaitStaleAcquired() throws InterruptedException {
        return acquired.await(60, TimeUnit.SECONDS);
    }

    public void resumeStale() {
        resume.countDown();
    }

    /** Reads the lock through a fresh connection outside any transaction. */
    public String inspect(String lock) {
        try (LeaseConnection connection = leases.getConnection()) {
            return connection.inspect(lock).map(Scenarios::describe).orElse("none");
        }
    }

    /** Reads the account row of {@code name}: "holder token", or "none". */
    public String account(String name) throws SQLException {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement select =
                        connection.prepareStatement("SELECT holder, token FROM account WHERE name = ?")) {
            select.setString(1, name);
            try (var rows = select.executeQuery()) {
                return rows.next() ? rows.getString(1) + " " + rows.getLong(2) : "none";
            }
        }
    }

    private static String describe(LeaseInfo info) {
        return "owner=" + info.owner().isPresent() + " token="
                + info.fenceToken().value();
    }

    private static AcquireOptions options(Duration leaseDuration) {
        return AcquireOptions.builder()
                .leaseDuration(leaseDuration)
                .waitTimeout(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(100))
                .build();
    }

    private void upsert(String name, String holder, long token) throws SQLException {
        try (Connection connection = fenced().getConnection();
                PreparedStatement merge = connection.prepareStatement(
                        "MERGE INTO account (name, holder, token) KEY (name) VALUES (?, ?, ?)")) {
            merge.setString(1, name);
            merge.setString(2, holder);
            merge.setLong(3, token);
            merge.executeUpdate();
        }
    }

    private ProbeXAResource enlistProbe(String lock, boolean halt, AtomicReference<Lease> lease) throws Exception {
        JdbcDataSource h2 = new JdbcDataSource();
        h2.setURL(System.getProperty("txlease.it.h2-url"));
        h2.setUser("sa");
        h2.setPassword("sa");
        XAConnection xa = h2.getXAConnection();
        ProbeXAResource probe = new ProbeXAResource(
                xa.getXAResource(), halt, () -> "lease " + lease.get().state());
        transactionManager.getTransaction().enlistResource(probe);
        try (PreparedStatement marker = xa.getConnection()
                .prepareStatement("MERGE INTO account (name, holder, token) KEY (name) VALUES (?, 'probe', 0)")) {
            marker.setString(1, "probe-" + lock);
            marker.executeUpdate();
        }
        registry.registerInterposedSynchronization(new Synchronization() {
            @Override
            public void beforeCompletion() {}

            @Override
            public void afterCompletion(int status) {
                try {
                    xa.close();
                } catch (SQLException e) {
                    // closing only
                }
            }
        });
        return probe;
    }

    private FencedDataSource fenced() {
        if (fenced == null) {
            fenced = FencedDataSource.builder(dataSource)
                    .transactionRegistry(registry)
                    .build();
        }
        return fenced;
    }
}
