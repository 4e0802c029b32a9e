package dev.txlease.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.txlease.AcquireOptions;
import dev.txlease.Lease;
import dev.txlease.client.DefaultLeaseClient;
import dev.txlease.dynamodb.DynamoDbLeaseStore;
import dev.txlease.it.app.Scenarios;
import dev.txlease.jdbc.FencedDataSource;
import dev.txlease.spi.LeaseRecord;
import dev.txlease.testing.DynamoDbLocal;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jboss.shrinkwrap.api.Filters;
import org.jboss.shrinkwrap.api.ShrinkWrap;
import org.jboss.shrinkwrap.api.asset.StringAsset;
import org.jboss.shrinkwrap.api.exporter.ZipExporter;
import org.jboss.shrinkwrap.api.spec.JavaArchive;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The resource adapter in a real WildFly 39: one server for the whole class (boots are the cost),
 * configured by the CLI as the README says, the adapter ({@code txlease-ra.rar}) and a test
 * application deployed; DynamoDB Local runs as an HTTP server in this JVM, the database is an H2
 * file database behind a container XA datasource. The crash tests halt the server inside a commit
 * and restart it.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class WildFlyLeaseTest {
    @RegisterExtension
    static final DynamoDbLocal DYNAMO = DynamoDbLocal.server();

    private static final String TABLE = "txlease_it";
    private static final String NODE = "txlease-it";
    private static final Pattern TOKEN = Pattern.compile("token=(\\d+)");
    private static final boolean REQUIRE_SERVICES = "1".equals(System.getenv("TXLEASE_REQUIRE_SERVICES"));
    /** The machine's MariaDB as the other tests find it (TXLEASE_MARIADB_URL overrides), or null. */
    private static final String MARIADB_URL = reachable(
            System.getenv("TXLEASE_MARIADB_URL") != null
                    ? System.getenv("TXLEASE_MARIADB_URL")
                    : "jdbc:mariadb://127.0.0.1:3306/test?user=root&password=&connectTimeout=3000");

    private static WildFlyServer server;
    private static DynamoDbLeaseStore store;

    @BeforeAll
    static void startServer() throws Exception {
        store = DynamoDbLeaseStore.builder(DYNAMO.client()).tableName(TABLE).build();
        store.createTableIfMissing();
        server = WildFlyServer.prepare("it");
        String h2 = "jdbc:h2:file:" + server.base().resolve("h2").resolve("it");
        server.systemProperty("txlease.it.h2-url", h2);
        // the pause between the two phases of a recovery pass (default 10 s): the test asks for passes
        server.systemProperty("RecoveryEnvironmentBean.recoveryBackoffPeriod", "1");
        List<String> commands = new ArrayList<>(List.of(
                "/subsystem=transactions:write-attribute(name=recovery-listener,value=true)",
                "/subsystem=transactions:write-attribute(name=node-identifier,value=" + NODE + ")",
                "batch",
                "/subsystem=datasources/xa-data-source=LeaseItDS:add(jndi-name=\"" + scenariosDataSource()
                        + "\",driver-name=h2,user-name=sa,password=sa)",
                "/subsystem=datasources/xa-data-source=LeaseItDS/xa-datasource-properties=URL:add(value=\"" + h2
                        + "\")",
                "run-batch",
                "batch",
                "/subsystem=resource-adapters/resource-adapter=txlease:add(archive=txlease-ra.rar,"
                        + "transaction-support=XATransaction)",
                adapterProperty("EndpointOverride", DYNAMO.endpoint().toString()),
                adapterProperty("TableName", TABLE),
                adapterProperty("Node", NODE),
                adapterProperty("AccessKeyId", "local"),
                adapterProperty("SecretAccessKey", "local"),
                "/subsystem=resource-adapters/resource-adapter=txlease/connection-definitions=leases:add("
                        + "class-name=dev.txlease.ra.LeaseManagedConnectionFactory,jndi-name=\"java:/txlease/leases\","
                        + "recovery-username=recovery,recovery-password=recovery)",
                "run-batch"));
        if (MARIADB_URL != null) {
            // the driver, deployed at boot from the deployments directory, registers itself by file name
            Path driver = Path.of(org.mariadb.jdbc.Driver.class
                    .getProtectionDomain()
                    .getCodeSource()
                    .getLocation()
                    .toURI());
            Files.copy(driver, server.base().resolve("deployments").resolve("mariadb-java-client.jar"));
            commands.addAll(List.of(
                    "batch",
                    "/subsystem=datasources/xa-data-source=LeaseIt-mariadb:add(jndi-name=\"java:jboss/datasources/LeaseIt-mariadb\","
                            + "driver-name=mariadb-java-client.jar,xa-datasource-class=org.mariadb.jdbc.MariaDbDataSource)",
                    "/subsystem=datasources/xa-data-source=LeaseIt-mariadb/xa-datasource-properties=Url:add(value=\""
                            + MARIADB_URL + "\")",
                    "run-batch"));
        }
        server.configure(commands);
        server.start();
        server.deploy(Path.of(System.getProperty("txlease.adapter", "target/deployments/txlease-ra.rar")));
        server.deploy(application());
        assertEquals("ok", server.get("/txlease-it/scenario?op=setup"));
        if (MARIADB_URL != null) {
            assertEquals("ok", server.get("/txlease-it/scenario?op=setup&db=mariadb"));
        }
    }

    @AfterAll
    static void stopServer() throws InterruptedException {
        if (server != null) {
            server.close();
        }
    }

    @Test
    @Order(1)
    void theContainerEnlistsTheLeasePublishesItAndCommitReleasesIt() throws Exception {
        String answer = call("op=write&lock=enlisted&holder=first&probe=record");
        assertTrue(answer.contains("published=true"), answer);
        long token = token(answer);
        // the second resource (enlisted first) was prepared, then committed while the lease was still held
        assertEquals("[start, end, prepare, commit(lease HELD)]", call("op=probe&lock=enlisted"));
        assertEquals("first " + token, call("op=account&lock=enlisted"));
        LeaseRecord record = store.read("enlisted").orElseThrow();
        assertTrue(record.released(), record::toString);
        assertNull(record.transactionId(), record::toString);
    }

    @Test
    @Order(1)
    void twoConnectionsInOneTransactionShareItsLeases() throws Exception {
        assertEquals("published=2 both=true", call("op=writeTwo&lock=two-a&other=two-b"));
        assertTrue(store.read("two-a").orElseThrow().released());
        assertTrue(store.read("two-b").orElseThrow().released());
    }

    @Test
    @Order(2)
    void rollbackReleasesTheLeaseAndKeepsTheData() throws Exception {
        long committed = token(call("op=write&lock=rolled&holder=kept"));
        String answer = call("op=write&lock=rolled&holder=lost&fail=true");
        assertTrue(answer.startsWith("failed") && answer.contains("rolled back on purpose"), answer);
        assertEquals("kept " + committed, call("op=account&lock=rolled"));
        LeaseRecord record = store.read("rolled").orElseThrow();
        assertTrue(record.released(), record::toString);
        assertTrue(record.fenceToken().value() > committed, record::toString);
    }

    /**
     * Kleppmann's scenario: request A takes the lock and stalls (the whole server JVM is stopped, as a
     * long garbage collection would); another process takes the lock over meanwhile; after the pause
     * request B takes the lock, writes and commits; A then writes with its old token, which the
     * database refuses, and A's transaction rolls back.
     */
    @Test
    @Order(3)
    void theStaleHoldersWriteIsRejected() throws Exception {
        kleppmann("h2");
    }

    /** The same, plus commit and rollback, on MariaDB through a container XA datasource. */
    @Test
    @Order(3)
    void theStaleHoldersWriteIsRejectedOnMariaDb() throws Exception {
        String missing = "MariaDB is not reachable; start it on 127.0.0.1:3306 (root, empty password, database"
                + " test) or set TXLEASE_MARIADB_URL";
        assumeTrue(MARIADB_URL != null || REQUIRE_SERVICES, missing);
        assertNotNull(MARIADB_URL, missing + " (TXLEASE_REQUIRE_SERVICES=1)");
        String lock = "rolled-" + System.nanoTime();
        long committed = token(call("op=write&db=mariadb&lock=" + lock + "&holder=kept"));
        assertTrue(call("op=write&db=mariadb&lock=" + lock + "&holder=lost&fail=true")
                .startsWith("failed"));
        assertEquals("kept " + committed, call("op=account&db=mariadb&lock=" + lock));
        assertTrue(store.read(lock).orElseThrow().released());
        kleppmann("mariadb");
    }

    private void kleppmann(String database) throws Exception {
        String lock = "kleppmann-" + database + "-" + System.nanoTime();
        CompletableFuture<HttpResponse<String>> stale =
                server.getAsync("/txlease-it/scenario?op=stale&leaseMs=2000&db=" + database + "&lock=" + lock);
        String acquired = call("op=awaitStale&lock=" + lock);
        if (!"true".equals(acquired)) {
            throw new AssertionError("the stale holder did not acquire: "
                    + stale.get(90, TimeUnit.SECONDS).body());
        }
        server.signal("STOP");
        try (DefaultLeaseClient rival =
                DefaultLeaseClient.builder(store).node("rival").build()) {
            Lease taken = rival.acquire(
                    lock,
                    AcquireOptions.builder()
                            .waitTimeout(Duration.ofSeconds(30))
                            .pollInterval(Duration.ofMillis(100))
                            .build());
            taken.close();
        } finally {
            server.signal("CONT");
        }
        long freshToken = token(call("op=write&holder=fresh&db=" + database + "&lock=" + lock));
        call("op=resumeStale&lock=" + lock);
        String staleAnswer = stale.get(90, TimeUnit.SECONDS).body();
        assertTrue(staleAnswer.contains("StaleFenceTokenException"), staleAnswer);
        assertTrue(token(staleAnswer) < freshToken, staleAnswer);
        assertEquals("fresh " + freshToken, call("op=account&db=" + database + "&lock=" + lock));
        LeaseRecord record = store.read(lock).orElseThrow();
        assertTrue(record.released(), record::toString);
        assertEquals(freshToken, record.fenceToken().value());
    }

    @Test
    @Order(4)
    void aCrashBetweenPrepareAndCommitIsRecovered() throws Exception {
        crashInCommit("crashed");
        LeaseRecord prepared = store.read("crashed").orElseThrow();
        assertFalse(prepared.released(), prepared::toString);
        assertNotNull(prepared.transactionId(), prepared::toString);

        server.start();
        awaitRecovered("crashed");
        LeaseRecord record = store.read("crashed").orElseThrow();
        assertTrue(record.released(), record::toString);
        assertEquals(prepared.fenceToken(), record.fenceToken());
        assertEquals("crasher " + prepared.fenceToken().value(), call("op=account&lock=crashed"));
        assertEquals("probe 0", call("op=account&lock=probe-crashed"));
        assertNoRepeatedRecoveryWarnings();
    }

    @Test
    @Order(5)
    void aCrashRecoveredAfterATakeoverLeavesTheNewHolderAlone() throws Exception {
        crashInCommit("taken");
        LeaseRecord prepared = store.read("taken").orElseThrow();
        try (DefaultLeaseClient rival =
                        DefaultLeaseClient.builder(store).node("rival").build();
                Lease taken = rival.acquire(
                        "taken",
                        AcquireOptions.builder()
                                .waitTimeout(Duration.ofSeconds(30))
                                .pollInterval(Duration.ofMillis(100))
                                .build())) {
            assertTrue(taken.fenceToken().compareTo(prepared.fenceToken()) > 0);

            server.start();
            awaitRecovered("taken");
            LeaseRecord record = store.read("taken").orElseThrow();
            assertEquals(taken.fenceToken(), record.fenceToken());
            assertFalse(record.released(), "recovery must not release the new holder's lease: " + record);
            assertTrue(taken.isValid());
        }
        assertEquals("crasher " + prepared.fenceToken().value(), call("op=account&lock=taken"));
        assertNoRepeatedRecoveryWarnings();
    }

    /** Runs a write whose probe halts the server inside commit, after every branch was prepared. */
    private static void crashInCommit(String lock) throws Exception {
        assertThrows(
                IOException.class,
                () -> server.get(
                        "/txlease-it/scenario?op=write&lock=" + lock + "&holder=crasher&probe=halt&leaseMs=2000"));
        assertEquals(77, server.awaitExit(Duration.ofSeconds(60)));
        server.stop();
        assertFalse(server.transactionLogs().isEmpty(), "the crash left no transaction log");
    }

    /** Asks for recovery passes until the transaction log is gone (deadline 90 s). */
    private static void awaitRecovered(String lock) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (!server.transactionLogs().isEmpty()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("recovery did not remove the log of " + lock + ": " + server.transactionLogs()
                        + "\n" + store.read(lock));
            }
            server.scanRecovery();
        }
    }

    private static void assertNoRepeatedRecoveryWarnings() throws IOException {
        server.scanRecovery();
        long before = warnings();
        server.scanRecovery();
        assertEquals(before, warnings(), "recovery warnings repeat on every pass");
    }

    private static long warnings() {
        String log = server.serverLog();
        return Pattern.compile("ARJUNA01603[78]").matcher(log).results().count();
    }

    private static String reachable(String url) {
        try (java.sql.Connection connection = java.sql.DriverManager.getConnection(url)) {
            return connection.isValid(3) ? url : null;
        } catch (java.sql.SQLException e) {
            return null;
        }
    }

    private static String call(String query) throws Exception {
        return server.get("/txlease-it/scenario?" + query);
    }

    private static long token(String answer) {
        Matcher matcher = TOKEN.matcher(answer);
        if (!matcher.find()) {
            throw new AssertionError("no token in: " + answer);
        }
        return Long.parseLong(matcher.group(1));
    }

    private static String adapterProperty(String name, String value) {
        return "/subsystem=resource-adapters/resource-adapter=txlease/config-properties=" + name + ":add(value=\""
                + value + "\")";
    }

    private static String scenariosDataSource() {
        return "java:jboss/datasources/LeaseItDS";
    }

    /** The test application: the app package, jdbc-fencing as a library, the adapter's classes via a module dependency. */
    private static Path application() {
        JavaArchive fencing = ShrinkWrap.create(JavaArchive.class, "txlease-jdbc-fencing.jar")
                .addPackages(true, Filters.exclude(".*/jdbi/.*"), FencedDataSource.class.getPackage());
        WebArchive war = ShrinkWrap.create(WebArchive.class, "txlease-it.war")
                .addPackage(Scenarios.class.getPackage())
                .addAsLibrary(fencing)
                .addAsWebInfResource(
                        new StringAsset("<beans xmlns=\"https://jakarta.ee/xml/ns/jakartaee\" version=\"4.0\""
                                + " bean-discovery-mode=\"annotated\"/>"),
                        "beans.xml")
                .addAsWebInfResource(
                        new StringAsset("<jboss-deployment-structure><deployment><dependencies>"
                                + "<module name=\"deployment.txlease-ra.rar\"/>"
                                + "<module name=\"com.h2database.h2\"/>"
                                + "</dependencies></deployment></jboss-deployment-structure>"),
                        "jboss-deployment-structure.xml");
        Path file = Path.of("target", "deployments", "txlease-it.war").toAbsolutePath();
        war.as(ZipExporter.class).exportTo(file.toFile(), true);
        return file;
    }
}
