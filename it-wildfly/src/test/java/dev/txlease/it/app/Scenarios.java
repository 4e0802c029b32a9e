package dev.txlease.it.app;

import dev.txlease.AcquireOptions;
import dev.txlease.Lease;
import dev.txlease.LeaseInfo;
import dev.txlease.TransactionLeases;
import dev.txlease.jdbc.FencedDataSource;
import dev.txlease.ra.LeaseConnection;
import dev.txlease.ra.LeaseConnectionFactory;
import jakarta.annotation.PostConstruct;
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
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import javax.naming.InitialContext;
import javax.naming.NamingException;
import javax.sql.DataSource;
import javax.sql.XAConnection;
import org.h2.jdbcx.JdbcDataSource;

/**
 * The test application's transactional methods: leases from the adapter, writes through a {@link
 * FencedDataSource} over a container XA datasource ({@code h2}, or {@code mariadb} where the test
 * configured one). The application never touches the transaction manager for the lease; only the
 * test probe (a second XA resource) is enlisted by hand.
 */
@ApplicationScoped
public class Scenarios {
    // tag::ra-inject[]
    @Resource(lookup = "java:/txlease/leases")
    LeaseConnectionFactory leases;

    @Resource
    TransactionSynchronizationRegistry registry;

    @Resource(lookup = "java:jboss/datasources/LeaseItDS")
    DataSource dataSource;

    FencedDataSource fenced;

    @PostConstruct
    void wrapDataSource() {
        fenced = FencedDataSource.builder(dataSource)
                .transactionRegistry(registry) // where the adapter publishes the transaction's leases
                .build();
    }
    // end::ra-inject[]

    @Resource(lookup = "java:/TransactionManager")
    TransactionManager transactionManager;

    private final Map<String, FencedDataSource> others = new ConcurrentHashMap<>();
    private final Map<String, CountDownLatch> acquired = new ConcurrentHashMap<>();
    private final Map<String, CountDownLatch> resume = new ConcurrentHashMap<>();

    /** Creates the tables, outside any transaction (DDL through a fenced connection would commit). */
    public void setUp(String database) throws SQLException {
        FencedDataSource target = fenced(database);
        target.createGuardTable();
        try (Connection connection = target.getConnection();
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
    public String write(String database, String lock, String holder, Duration leaseDuration, String probe, boolean fail)
            throws Exception {
        AtomicReference<Lease> acquiredLease = new AtomicReference<>();
        ProbeXAResource probeResource =
                "none".equals(probe) ? null : enlistProbe(lock, "halt".equals(probe), acquiredLease);
        Lease lease = write(fenced(database), lock, holder, options(leaseDuration));
        acquiredLease.set(lease);
        Collection<?> published = (Collection<?>) registry.getResource(TransactionLeases.REGISTRY_KEY);
        String report = "token=" + lease.fenceToken().value() + " published="
                + (published != null && published.contains(lease));
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
        return report;
    }

    /** Acquires two locks through two connections held at once in one transaction. */
    @Transactional
    public String writeTwo(String first, String second) {
        try (LeaseConnection one = leases.getConnection();
                LeaseConnection two = leases.getConnection()) {
            Lease a = one.acquire(first, options(Duration.ofSeconds(10)));
            Lease b = two.acquire(second, options(Duration.ofSeconds(10)));
            Collection<?> published = (Collection<?>) registry.getResource(TransactionLeases.REGISTRY_KEY);
            return "published=" + published.size() + " both=" + (published.contains(a) && published.contains(b));
        }
    }

    // tag::ra-write[]
    Lease write(FencedDataSource fenced, String account, String holder, AcquireOptions options) throws SQLException {
        try (LeaseConnection connection = leases.getConnection()) {
            Lease lease = connection.acquire(account, options); // joins the container's transaction
            try (Connection database = fenced.getConnection(); // checks the lease's fence token first
                    PreparedStatement update =
                            database.prepareStatement("UPDATE account SET holder = ?, token = ? WHERE name = ?")) {
                update.setString(1, holder);
                update.setLong(2, lease.fenceToken().value());
                update.setString(3, account);
                if (update.executeUpdate() == 0) {
                    insert(database, account, holder, lease.fenceToken().value());
                }
            }
            return lease;
        } // closing the connection keeps the lease: the transaction's commit or rollback releases it
    }
    // end::ra-write[]

    /**
     * The stale holder of the Kleppmann scenario: acquires {@code lock} with a short lease (renewed),
     * says so, waits until the test lets it go (after pausing the JVM past the lease), then writes.
     */
    @Transactional
    public String staleWrite(String database, String lock, Duration leaseDuration) throws Exception {
        try (LeaseConnection connection = leases.getConnection()) {
            Lease lease = connection.acquire(
                    lock,
                    AcquireOptions.builder()
                            .leaseDuration(leaseDuration)
                            .heartbeatPeriod(leaseDuration.dividedBy(4))
                            .build());
            latch(acquired, lock).countDown();
            if (!latch(resume, lock).await(60, TimeUnit.SECONDS)) {
                throw new IllegalStateException("never resumed");
            }
            try (Connection target = fenced(database).getConnection();
                    PreparedStatement update =
                            target.prepareStatement("UPDATE account SET holder = 'stale', token = ? WHERE name = ?")) {
                update.setLong(1, lease.fenceToken().value());
                update.setString(2, lock);
                update.executeUpdate();
            } catch (SQLException e) {
                throw new IllegalStateException("token=" + lease.fenceToken().value() + " rejected: " + e, e);
            }
            return "token=" + lease.fenceToken().value();
        }
    }

    public boolean awaitStaleAcquired(String lock) throws InterruptedException {
        return latch(acquired, lock).await(60, TimeUnit.SECONDS);
    }

    public void resumeStale(String lock) {
        latch(resume, lock).countDown();
    }

    private static CountDownLatch latch(Map<String, CountDownLatch> latches, String lock) {
        return latches.computeIfAbsent(lock, name -> new CountDownLatch(1));
    }

    /** Reads the lock through a fresh connection outside any transaction. */
    public String inspect(String lock) {
        try (LeaseConnection connection = leases.getConnection()) {
            return connection.inspect(lock).map(Scenarios::describe).orElse("none");
        }
    }

    /** Reads the account row of {@code name}: "holder token", or "none". */
    public String account(String database, String name) throws SQLException {
        try (Connection connection = fenced(database).getConnection();
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

    private static void insert(Connection connection, String name, String holder, long token) throws SQLException {
        try (PreparedStatement insert =
                connection.prepareStatement("INSERT INTO account (name, holder, token) VALUES (?, ?, ?)")) {
            insert.setString(1, name);
            insert.setString(2, holder);
            insert.setLong(3, token);
            insert.executeUpdate();
        }
    }

    private FencedDataSource fenced(String database) {
        if ("h2".equals(database)) {
            return fenced;
        }
        return others.computeIfAbsent(database, name -> {
            try {
                DataSource other = (DataSource) new InitialContext().lookup("java:jboss/datasources/LeaseIt-" + name);
                return FencedDataSource.builder(other)
                        .transactionRegistry(registry)
                        .build();
            } catch (NamingException e) {
                throw new IllegalArgumentException("no datasource for " + name, e);
            }
        });
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
}
