package dev.txlease.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.txlease.AcquireOptions;
import dev.txlease.FenceToken;
import dev.txlease.Lease;
import dev.txlease.LeaseClient;
import dev.txlease.LeaseException;
import dev.txlease.client.DefaultLeaseClient;
import dev.txlease.dynamodb.DynamoDbLeaseStore;
import dev.txlease.jdbc.FencedDataSource;
import dev.txlease.jdbc.GuardDialect;
import dev.txlease.jdbc.GuardTable;
import dev.txlease.jdbc.LeaseBinding;
import dev.txlease.jdbc.jdbi.FencingConfig;
import dev.txlease.jdbc.testing.Databases;
import dev.txlease.jta.TransactionalLeaseClient;
import dev.txlease.jta.narayana.LeaseRecoveryHelper;
import dev.txlease.spi.GrantRequest;
import dev.txlease.testing.DynamoDbLocal;
import dev.txlease.testing.InProcessNarayana;
import jakarta.transaction.TransactionManager;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Scenario 10: bad input through every public entry point: null, empty, huge and control-character
 * names; zero, negative and huge durations; data over the item limit; a lease released twice; a
 * lease of another client. Each must fail with the documented exception type and a message that
 * names the argument or the lock, and nothing may reach the lease store (the DynamoDB request
 * counter stands still) or the database (no row appears).
 */
class BadInputTest {
    @RegisterExtension
    static final DynamoDbLocal DYNAMO = DynamoDbLocal.embedded();

    @RegisterExtension
    static final InProcessNarayana NARAYANA = new InProcessNarayana();

    private static final String HUGE = "x".repeat(1_000_000);
    private static final List<String> BAD_NAMES =
            List.of("", "x".repeat(256), HUGE, "bad\nname", "nul\u0000", "tab\tname", "del\u007Fname", "half\uD800");
    private static final String HUGE_DURATION =
            Duration.ofSeconds(Long.MAX_VALUE).toString();
    private static final AcquireOptions OPTIONS =
            AcquireOptions.builder().heartbeatPeriod(Duration.ZERO).build();

    private final List<String> problems = new ArrayList<>();
    private int calls;
    private JdbcDataSource database;
    private FencedCounter counter;
    private DynamoDbLeaseStore store;
    private DefaultLeaseClient client;
    private DefaultLeaseClient otherClient;
    private TransactionalLeaseClient transactional;
    private TransactionManager transactions;

    @BeforeEach
    void setUp() throws Exception {
        database = Databases.h2("reliability-bad-input");
        counter = FencedCounter.create(database, "rel_bad", Connection.TRANSACTION_NONE);
        store = DYNAMO.newStore();
        client = DefaultLeaseClient.builder(store).owner("client").build();
        otherClient = DefaultLeaseClient.builder(store).owner("other").build();
        transactions = InProcessNarayana.transactionManager();
        transactional = TransactionalLeaseClient.builder(
                        DefaultLeaseClient.builder(store).owner("transactional").build(), transactions)
                .registry(InProcessNarayana.registry())
                .build();
    }

    @AfterEach
    void tearDown() throws Exception {
        if (transactions.getTransaction() != null) {
            transactions.rollback();
        }
        client.close();
        otherClient.close();
        transactional.close();
    }

    @Test
    void everyPublicEntryPointRejectsBadInputClearlyWithoutWritingAnything() throws Exception {
        assertEquals(List.of(), checkEveryEntryPoint(), "entry points that failed unclearly");
    }

    /** Runs every bad call; returns the problems found, after checking that nothing was written. */
    private List<String> checkEveryEntryPoint() throws Exception {
        String lock = "bad-input-" + UUID.randomUUID();
        counter.addLock(lock);
        Lease mine = client.acquire(lock + "-mine", OPTIONS);
        Lease foreign = otherClient.acquire(lock + "-foreign", OPTIONS);
        Lease released = client.acquire(lock + "-released", OPTIONS);
        client.release(released);
        Lease releasedInTransaction = transactional.acquire(lock + "-released-tx", OPTIONS);
        transactional.release(releasedInTransaction);
        long rows = rows();
        DYNAMO.requests().reset();

        leaseClients(client, "DefaultLeaseClient", mine, foreign, released, false);
        leaseClients(transactional, "TransactionalLeaseClient", mine, foreign, releasedInTransaction, false);
        transactions.begin();
        leaseClients(transactional, "TransactionalLeaseClient in a transaction", mine, foreign, null, true);
        transactions.rollback();
        acquireOptions();
        clientBuilders();
        storeEntryPoints();
        fencing(mine);

        assertEquals(0, DYNAMO.requests().total(), "bad input reached the store: " + DYNAMO.requests());
        assertEquals(rows, rows(), "bad input wrote to the database");
        mine.close();
        foreign.close();
        System.out.printf("BadInputTest: %d bad calls, 0 requests, 0 rows%n", calls);
        return problems;
    }

    private void leaseClients(
            LeaseClient leases, String where, Lease mine, Lease foreign, Lease releasedTwice, boolean inTransaction) {
        for (String name : BAD_NAMES) {
            String shown = name.length() > 20 ? name.substring(0, 20) + "... (" + name.length() + " chars)" : name;
            expect(
                    where + ".acquire('" + shown + "')",
                    IllegalArgumentException.class,
                    "lock name",
                    () -> leases.acquire(name, OPTIONS));
            expect(
                    where + ".tryAcquire('" + shown + "')",
                    IllegalArgumentException.class,
                    "lock name",
                    () -> leases.tryAcquire(name, OPTIONS));
            expect(
                    where + ".acquireAsync('" + shown + "')",
                    IllegalArgumentException.class,
                    "lock name",
                    () -> leases.acquireAsync(name, OPTIONS));
            expect(
                    where + ".inspect('" + shown + "')",
                    IllegalArgumentException.class,
                    "lock name",
                    () -> leases.inspect(name));
        }
        expect(where + ".acquire(null)", NullPointerException.class, "lock name", () -> leases.acquire(null, OPTIONS));
        expect(
                where + ".tryAcquire(null)",
                NullPointerException.class,
                "lock name",
                () -> leases.tryAcquire(null, OPTIONS));
        expect(
                where + ".acquireAsync(null)",
                NullPointerException.class,
                "lock name",
                () -> leases.acquireAsync(null, OPTIONS));
        expect(where + ".inspect(null)", NullPointerException.class, "lock name", () -> leases.inspect(null));
        expect(
                where + ".acquire(options null)",
                NullPointerException.class,
                "options",
                () -> leases.acquire("ok", null));
        expect(
                where + ".tryAcquire(options null)",
                NullPointerException.class,
                "options",
                () -> leases.tryAcquire("ok", null));
        if (inTransaction) { // it cannot join the caller's transaction whatever its arguments
            expect(
                    where + ".acquireAsync(options null)",
                    LeaseException.class,
                    "'ok'",
                    () -> leases.acquireAsync("ok", null));
        } else {
            expect(
                    where + ".acquireAsync(options null)",
                    NullPointerException.class,
                    "options",
                    () -> leases.acquireAsync("ok", null));
        }
        expect(where + ".renew(null)", NullPointerException.class, "lease", () -> renew(leases, null));
        expect(where + ".release(null)", NullPointerException.class, "lease", () -> leases.release(null));
        expect(where + ".renew(foreign)", IllegalArgumentException.class, foreign.name(), () -> renew(leases, foreign));
        expect(
                where + ".release(foreign)",
                IllegalArgumentException.class,
                foreign.name(),
                () -> leases.release(foreign));
        if (releasedTwice != null) {
            expect(
                    where + ".release(released)",
                    IllegalStateException.class,
                    releasedTwice.name(),
                    () -> leases.release(releasedTwice));
            expect(
                    where + ".renew(released)",
                    IllegalStateException.class,
                    releasedTwice.name(),
                    () -> renew(leases, releasedTwice));
            releasedTwice.close(); // idempotent, documented
        }
        if (leases != client) {
            expect(
                    where + ".release(mine of another client)",
                    IllegalArgumentException.class,
                    mine.name(),
                    () -> leases.release(mine));
        }
    }

    private void acquireOptions() {
        for (Duration bad : List.of(
                Duration.ZERO,
                Duration.ofMillis(-1),
                Duration.ofMillis(9),
                Duration.ofDays(8),
                Duration.ofSeconds(Long.MAX_VALUE))) {
            expect(
                    "leaseDuration(" + bad + ")",
                    IllegalArgumentException.class,
                    "leaseDuration",
                    () -> AcquireOptions.builder().leaseDuration(bad));
        }
        for (Duration bad : List.of(Duration.ofMillis(-1), Duration.ofDays(8), Duration.ofSeconds(Long.MIN_VALUE))) {
            expect(
                    "waitTimeout(" + bad + ")",
                    IllegalArgumentException.class,
                    "waitTimeout",
                    () -> AcquireOptions.builder().waitTimeout(bad));
            expect(
                    "heartbeatPeriod(" + bad + ")",
                    IllegalArgumentException.class,
                    "heartbeatPeriod",
                    () -> AcquireOptions.builder().heartbeatPeriod(bad));
        }
        for (Duration bad : List.of(Duration.ZERO, Duration.ofMillis(-5), Duration.ofDays(1))) {
            expect(
                    "pollInterval(" + bad + ")",
                    IllegalArgumentException.class,
                    "pollInterval",
                    () -> AcquireOptions.builder().pollInterval(bad));
        }
        expect("leaseDuration(null)", NullPointerException.class, "leaseDuration", () -> AcquireOptions.builder()
                .leaseDuration(null));
        expect("waitTimeout(null)", NullPointerException.class, "waitTimeout", () -> AcquireOptions.builder()
                .waitTimeout(null));
        expect("heartbeatPeriod(null)", NullPointerException.class, "heartbeatPeriod", () -> AcquireOptions.builder()
                .heartbeatPeriod(null));
        expect("pollInterval(null)", NullPointerException.class, "pollInterval", () -> AcquireOptions.builder()
                .pollInterval(null));
        expect("listener(null)", NullPointerException.class, "listener", () -> AcquireOptions.builder()
                .listener(null));
        expect("data(MAX_DATA_BYTES + 1)", IllegalArgumentException.class, "data", () -> AcquireOptions.builder()
                .data(new byte[AcquireOptions.MAX_DATA_BYTES + 1]));
        expect(
                "heartbeatPeriod >= leaseDuration",
                IllegalArgumentException.class,
                "heartbeatPeriod",
                () -> AcquireOptions.builder()
                        .leaseDuration(Duration.ofSeconds(1))
                        .heartbeatPeriod(Duration.ofSeconds(1))
                        .build());
        expect("FenceToken.of(0)", IllegalArgumentException.class, "fence token", () -> FenceToken.of(0));
        expect("FenceToken.of(-1)", IllegalArgumentException.class, "fence token", () -> FenceToken.of(-1));
    }

    private void clientBuilders() {
        expect(
                "DefaultLeaseClient.builder(null)",
                NullPointerException.class,
                "store",
                () -> DefaultLeaseClient.builder(null));
        for (String bad : List.of("", " ", "x".repeat(256), HUGE, "a\tb", "a\nb")) {
            expect(
                    "owner('" + abbreviate(bad) + "')",
                    IllegalArgumentException.class,
                    "owner",
                    () -> DefaultLeaseClient.builder(store).owner(bad));
            expect(
                    "node('" + abbreviate(bad) + "')",
                    IllegalArgumentException.class,
                    "node",
                    () -> DefaultLeaseClient.builder(store).node(bad));
        }
        expect("owner(null)", NullPointerException.class, "owner", () -> DefaultLeaseClient.builder(store)
                .owner(null));
        expect("node(null)", NullPointerException.class, "node", () -> DefaultLeaseClient.builder(store)
                .node(null));
        expect("clock(null)", NullPointerException.class, "clock", () -> DefaultLeaseClient.builder(store)
                .clock(null));
        for (int bad : new int[] {0, -1, 257, Integer.MAX_VALUE}) {
            expect(
                    "heartbeatThreads(" + bad + ")",
                    IllegalArgumentException.class,
                    "heartbeatThreads",
                    () -> DefaultLeaseClient.builder(store).heartbeatThreads(bad));
        }
        expect(
                "TransactionalLeaseClient.builder(null, tm)",
                NullPointerException.class,
                "client",
                () -> TransactionalLeaseClient.builder(null, transactions));
        expect(
                "TransactionalLeaseClient.builder(client, null)",
                NullPointerException.class,
                "transactionManager",
                () -> TransactionalLeaseClient.builder(client, null));
        expect(
                "TransactionalLeaseClient.registry(null)",
                NullPointerException.class,
                "registry",
                () -> TransactionalLeaseClient.builder(client, transactions).registry(null));
        expect(
                "TransactionalLeaseClient.build() without registry",
                IllegalStateException.class,
                "registry",
                () -> TransactionalLeaseClient.builder(client, transactions).build());
        expect(
                "LeaseRecoveryHelper.of(null client)",
                NullPointerException.class,
                "client",
                () -> LeaseRecoveryHelper.of((DefaultLeaseClient) null));
        expect(
                "LeaseRecoveryHelper.of(null store)",
                NullPointerException.class,
                "store",
                () -> LeaseRecoveryHelper.of(null, "node"));
        expect(
                "LeaseRecoveryHelper.of(store, null)",
                NullPointerException.class,
                "node",
                () -> LeaseRecoveryHelper.of(store, null));
        expect(
                "LeaseRecoveryHelper.of(store, ' ')",
                IllegalArgumentException.class,
                "node",
                () -> LeaseRecoveryHelper.of(store, " "));
    }

    private void storeEntryPoints() {
        expect(
                "DynamoDbLeaseStore.builder(null)",
                NullPointerException.class,
                "client",
                () -> DynamoDbLeaseStore.builder(null));
        for (String bad : List.of("", "ab", "x".repeat(256), "bad name", "semi;colon")) {
            expect(
                    "tableName('" + abbreviate(bad) + "')",
                    IllegalArgumentException.class,
                    "tableName",
                    () -> DynamoDbLeaseStore.builder(DYNAMO.client()).tableName(bad));
        }
        expect("tableName(null)", NullPointerException.class, "tableName", () -> DynamoDbLeaseStore.builder(
                        DYNAMO.client())
                .tableName(null));
        expect("attributes(null)", NullPointerException.class, "attributes", () -> DynamoDbLeaseStore.builder(
                        DYNAMO.client())
                .attributes(null));
        List<String> versions = List.of("v1");
        expect("store.tryGrant(null)", NullPointerException.class, "request", () -> store.tryGrant(null));
        for (String name : BAD_NAMES) {
            expect(
                    "store.tryGrant('" + abbreviate(name) + "')",
                    IllegalArgumentException.class,
                    "lock name",
                    () -> store.tryGrant(grant(name, Duration.ofSeconds(1), null)));
            expect(
                    "store.read('" + abbreviate(name) + "')",
                    IllegalArgumentException.class,
                    "lock name",
                    () -> store.read(name));
            expect(
                    "store.release('" + abbreviate(name) + "')",
                    IllegalArgumentException.class,
                    "lock name",
                    () -> store.release(name, "owner", versions));
        }
        for (Duration bad : List.of(Duration.ZERO, Duration.ofMillis(-1), Duration.ofSeconds(Long.MAX_VALUE))) {
            expect(
                    "store.tryGrant(leaseDuration " + bad + ")",
                    IllegalArgumentException.class,
                    "leaseDuration",
                    () -> store.tryGrant(grant("ok", bad, null)));
            expect(
                    "store.renew(leaseDuration " + bad + ")",
                    IllegalArgumentException.class,
                    "leaseDuration",
                    () -> store.renew("ok", "owner", versions, "v2", bad));
        }
        expect(
                "store.tryGrant(data over the limit)",
                IllegalArgumentException.class,
                "data",
                () -> store.tryGrant(grant("ok", Duration.ofSeconds(1), new byte[AcquireOptions.MAX_DATA_BYTES + 1])));
        expect(
                "store.renew(no versions)",
                IllegalArgumentException.class,
                "expectedVersions",
                () -> store.renew("ok", "owner", List.of(), "v2", Duration.ofSeconds(1)));
        expect(
                "store.release(owner '')",
                IllegalArgumentException.class,
                "owner",
                () -> store.release("ok", "", versions));
        expect(
                "store.prepare(transactionId '')",
                IllegalArgumentException.class,
                "transactionId",
                () -> store.prepare("ok", "owner", versions, "v2", Duration.ofSeconds(1), ""));
        expect(
                "store.completeTransaction(null)",
                NullPointerException.class,
                "transactionId",
                () -> store.completeTransaction("ok", null, true));
        expect("store.findPrepared(null)", NullPointerException.class, "node", () -> store.findPrepared(null));
    }

    private void fencing(Lease lease) throws SQLException {
        expect(
                "FencedDataSource.builder(null)",
                NullPointerException.class,
                "dataSource",
                () -> FencedDataSource.builder(null));
        expect("guardTable(null)", NullPointerException.class, "guard table", () -> FencedDataSource.builder(database)
                .guardTable(null));
        for (String bad : List.of("", "1abc", "a b", "t;drop table x", "x".repeat(64), "a.b.c")) {
            expect(
                    "guardTable('" + abbreviate(bad) + "')",
                    IllegalArgumentException.class,
                    "guard table",
                    () -> FencedDataSource.builder(database).guardTable(bad));
            expect(
                    "GuardTable.named('" + abbreviate(bad) + "')",
                    IllegalArgumentException.class,
                    "guard table",
                    () -> GuardTable.named(bad));
            expect(
                    "createTableSql('" + abbreviate(bad) + "')",
                    IllegalArgumentException.class,
                    "guard table",
                    () -> GuardDialect.H2.createTableSql(bad));
            expect(
                    "FencingConfig.setGuardTable('" + abbreviate(bad) + "')",
                    IllegalArgumentException.class,
                    "guard table",
                    () -> new FencingConfig().setGuardTable(bad));
        }
        expect("dialect(null)", NullPointerException.class, "dialect", () -> FencedDataSource.builder(database)
                .dialect(null));
        expect(
                "transactionRegistry(null)",
                NullPointerException.class,
                "transactionRegistry",
                () -> FencedDataSource.builder(database).transactionRegistry(null));
        expect(
                "FencingConfig.setTransactionRegistry(null)",
                NullPointerException.class,
                "registry",
                () -> new FencingConfig().setTransactionRegistry(null));
        FencedDataSource fenced = counter.fenced();
        expect(
                "getConnection(no lease)",
                IllegalArgumentException.class,
                "lease",
                () -> fenced.getConnection(new Lease[0]));
        expect(
                "getConnection((Lease[]) null)",
                NullPointerException.class,
                "lease",
                () -> fenced.getConnection((Lease[]) null));
        expect(
                "getConnection(lease, null)",
                NullPointerException.class,
                "lease",
                () -> fenced.getConnection(lease, null));
        expect("LeaseBinding.bind()", IllegalArgumentException.class, "lease", () -> LeaseBinding.bind());
        expect(
                "LeaseBinding.bind((Lease[]) null)",
                NullPointerException.class,
                "lease",
                () -> LeaseBinding.bind((Lease[]) null));
        expect(
                "LeaseBinding.bind(lease, null)",
                NullPointerException.class,
                "lease",
                () -> LeaseBinding.bind(lease, null));
        try (Connection connection = fenced.getConnection(lease);
                Statement statement = connection.createStatement()) {
            expect(
                    "a guarded statement in auto-commit mode",
                    SQLException.class,
                    lease.name(),
                    () -> statement.executeUpdate("UPDATE rel_bad_counters SET counter_value = 99"));
        }
    }

    /** Runs {@code call} and records a problem unless it throws {@code type} with {@code mention} in its message. */
    private void expect(String entryPoint, Class<? extends Throwable> type, String mention, ThrowingCall call) {
        calls++;
        Throwable thrown;
        try {
            Object result = call.run();
            thrown = result instanceof CompletableFuture<?> future ? failureOf(future) : null;
        } catch (Throwable e) {
            thrown = e;
        }
        if (thrown == null) {
            problems.add(entryPoint + ": accepted");
        } else if (!type.isInstance(thrown)) {
            problems.add(entryPoint + ": threw " + thrown + ", expected " + type.getSimpleName());
        } else if (thrown.getMessage() == null || !thrown.getMessage().contains(mention)) {
            problems.add(entryPoint + ": " + type.getSimpleName() + " without '" + mention + "' in its message: "
                    + thrown.getMessage());
        }
    }

    private static Object renew(LeaseClient leases, Lease lease) {
        leases.renew(lease);
        return null;
    }

    private static Throwable failureOf(CompletableFuture<?> future) {
        try {
            future.join();
            return null;
        } catch (CompletionException e) {
            return e.getCause();
        }
    }

    private static GrantRequest grant(String name, Duration leaseDuration, byte[] data) {
        return new GrantRequest(name, "owner", "node", "v1", leaseDuration, data, null);
    }

    private static String abbreviate(String value) {
        return value.length() > 20 ? value.substring(0, 20) + "... (" + value.length() + " chars)" : value;
    }

    /** Rows in the guard, counter and history tables. */
    private long rows() throws SQLException {
        long rows = 0;
        try (Connection connection = database.getConnection()) {
            for (String table : List.of("rel_bad_guard", "rel_bad_counters", "rel_bad_history")) {
                try (PreparedStatement count = connection.prepareStatement("SELECT COUNT(*) FROM " + table);
                        ResultSet result = count.executeQuery()) {
                    result.next();
                    rows += result.getLong(1);
                }
            }
            try (PreparedStatement sum = connection.prepareStatement(
                            "SELECT COALESCE(SUM(counter_value), 0) FROM rel_bad_counters");
                    ResultSet result = sum.executeQuery()) {
                result.next();
                rows += result.getLong(1);
            }
        }
        return rows;
    }

    /** An entry point call: its result is checked for a failed future. */
    @FunctionalInterface
    private interface ThrowingCall {
        Object run() throws Exception;
    }
}
