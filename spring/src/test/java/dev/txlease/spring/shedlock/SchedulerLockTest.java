package dev.txlease.spring.shedlock;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.txlease.Lease;
import dev.txlease.client.DefaultLeaseClient;
import dev.txlease.jdbc.FencedDataSource;
import dev.txlease.jdbc.testing.Databases;
import dev.txlease.spi.LeaseStore;
import dev.txlease.spring.SpringTestKitAccess;
import dev.txlease.testing.Await;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import javax.sql.DataSource;
import net.javacrumbs.shedlock.core.LockConfiguration;
import net.javacrumbs.shedlock.core.LockProvider;
import net.javacrumbs.shedlock.core.SimpleLock;
import net.javacrumbs.shedlock.spring.annotation.EnableSchedulerLock;
import net.javacrumbs.shedlock.spring.annotation.SchedulerLock;
import org.junit.jupiter.api.Test;
import org.springframework.context.annotation.AnnotationConfigApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.scheduling.annotation.EnableScheduling;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.transaction.support.TransactionTemplate;

/** A {@code @SchedulerLock} job on two schedulers (two application contexts): one runs at a time, its writes fenced. */
class SchedulerLockTest {
    static final DataSource DATABASE = Databases.h2("spring_shedlock");
    static final AtomicInteger RUNNING = new AtomicInteger();
    static final AtomicInteger MAX_RUNNING = new AtomicInteger();
    static final AtomicInteger REFUSALS = new AtomicInteger();
    static final List<String> RUNS = Collections.synchronizedList(new ArrayList<>());
    static final List<String> PROBLEMS = Collections.synchronizedList(new ArrayList<>());
    static volatile boolean open;

    /** Counts the attempts the provider refuses (another node holds the lock). */
    static final class CountingLockProvider implements LockProvider {
        private final LockProvider provider;

        CountingLockProvider(LockProvider provider) {
            this.provider = provider;
        }

        @Override
        public Optional<SimpleLock> lock(LockConfiguration configuration) {
            Optional<SimpleLock> lock = provider.lock(configuration);
            if (lock.isEmpty()) {
                REFUSALS.incrementAndGet();
            }
            return lock;
        }
    }

    /** The scheduled job: writes one row in a transaction on the fenced DataSource. */
    public static class ReportJob {
        private final String node;
        private final TxleaseLockProvider provider;
        private final TransactionTemplate transactions;
        private final JdbcTemplate jdbc;

        public ReportJob(
                String node, TxleaseLockProvider provider, TransactionTemplate transactions, JdbcTemplate jdbc) {
            this.node = node;
            this.provider = provider;
            this.transactions = transactions;
            this.jdbc = jdbc;
        }

        @Scheduled(fixedDelay = 20)
        @SchedulerLock(name = "report", lockAtMostFor = "PT5S")
        public void run() throws InterruptedException {
            // Counted running before it reads the flag: once the test reads no run after closing the
            // flag, every later run sees it closed.
            MAX_RUNNING.accumulateAndGet(RUNNING.incrementAndGet(), Math::max);
            try {
                if (!open) {
                    return;
                }
                Lease lease = provider.currentLease("report").orElseThrow();
                transactions.executeWithoutResult(status -> {
                    jdbc.update(
                            "INSERT INTO report_log VALUES (?, ?)",
                            node,
                            lease.fenceToken().value());
                    long guard =
                            jdbc.queryForObject("SELECT token FROM report_guard WHERE name = 'report'", Long.class);
                    if (guard != lease.fenceToken().value()) {
                        PROBLEMS.add(node + " wrote unfenced: guard " + guard + ", lease " + lease.fenceToken());
                    }
                });
                // Hold the lock until the other node's scheduler has tried and been refused; a run
                // counts only then, so three runs mean three refusals (whatever came before). A run
                // still waiting when the test closes gives up instead of waiting for a closed node.
                int refusals = REFUSALS.get();
                waitFor(() -> REFUSALS.get() > refusals || !open, "the other node to be refused");
                if (REFUSALS.get() > refusals) {
                    RUNS.add(node);
                }
            } finally {
                RUNNING.decrementAndGet();
            }
        }
    }

    @Configuration(proxyBeanMethods = false)
    @EnableScheduling
    @EnableSchedulerLock(defaultLockAtMostFor = "PT5S")
    static class Node {
        @Bean
        FencedDataSource dataSource() {
            return FencedDataSource.builder(DATABASE).guardTable("report_guard").build();
        }

        @Bean
        TransactionTemplate transactionTemplate(FencedDataSource dataSource) {
            return new TransactionTemplate(new DataSourceTransactionManager(dataSource));
        }
    }

    private static AnnotationConfigApplicationContext node(String name, LeaseStore store) {
        AnnotationConfigApplicationContext context = new AnnotationConfigApplicationContext();
        context.register(Node.class);
        DefaultLeaseClient client =
                DefaultLeaseClient.builder(store).owner(name).build();
        TxleaseLockProvider provider = new TxleaseLockProvider(client);
        context.registerBean(
                "leaseClient", DefaultLeaseClient.class, () -> client, bean -> bean.setDestroyMethodName("close"));
        // One LockProvider bean (ShedLock looks it up by type): the provider, counting its refusals.
        context.registerBean("lockProvider", LockProvider.class, () -> new CountingLockProvider(provider));
        context.registerBean(
                "txleaseLockProviderCloser",
                AutoCloseable.class,
                () -> provider::close,
                bean -> bean.setDestroyMethodName("close"));
        context.registerBean(JdbcTemplate.class, () -> new JdbcTemplate(context.getBean(FencedDataSource.class)));
        context.registerBean(
                ReportJob.class,
                () -> new ReportJob(
                        name,
                        provider,
                        context.getBean(TransactionTemplate.class),
                        context.getBean(JdbcTemplate.class)));
        context.refresh();
        return context;
    }

    @Test
    void oneNodeRunsTheJobAtATimeAndItsWritesAreFenced() throws Exception {
        try (Connection connection = DATABASE.getConnection();
                Statement statement = connection.createStatement()) {
            statement.execute("DROP TABLE IF EXISTS report_log");
            statement.execute("DROP TABLE IF EXISTS report_guard");
            statement.execute("CREATE TABLE report_log (node VARCHAR(20), token BIGINT)");
        }
        FencedDataSource.builder(DATABASE).guardTable("report_guard").build().createGuardTable();
        LeaseStore store = SpringTestKitAccess.dynamo().newStore();
        try (AnnotationConfigApplicationContext node1 = node("node-1", store);
                AnnotationConfigApplicationContext node2 = node("node-2", store)) {
            open = true;
            waitFor(() -> RUNS.size() >= 3, "three runs of the job");
            open = false;
            waitFor(() -> RUNNING.get() == 0, "the last run to end before the nodes stop");
        }
        assertEquals(List.of(), PROBLEMS);
        assertEquals(1, MAX_RUNNING.get(), "the two schedulers never ran the job at once");
        assertTrue(REFUSALS.get() >= 3, "each run saw the other node refused");
        assertTrue(tokensIncrease(), "every run wrote with a newer fence token");
    }

    private static boolean tokensIncrease() throws SQLException {
        try (Connection connection = DATABASE.getConnection();
                Statement statement = connection.createStatement();
                var rows = statement.executeQuery("SELECT COUNT(DISTINCT token), COUNT(*) FROM report_log")) {
            rows.next();
            return rows.getInt(1) == rows.getInt(2) && rows.getInt(2) >= 3;
        }
    }

    static void waitFor(BooleanSupplier condition, String what) {
        Await.until(what, condition);
    }
}
