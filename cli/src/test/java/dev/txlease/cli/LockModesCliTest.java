package dev.txlease.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.txlease.AcquireOptions;
import dev.txlease.Lease;
import dev.txlease.LockMode;
import dev.txlease.client.DefaultLeaseClient;
import dev.txlease.dynamodb.DynamoDbLeaseStore;
import dev.txlease.spi.LeaseHolder;
import dev.txlease.spi.LeaseRecord;
import dev.txlease.spi.LeaseWaiter;
import dev.txlease.testing.Await;
import dev.txlease.testing.DynamoDbLocal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 15 item 3 with issue 16's lock modes: {@code list}, {@code inspect} and {@code release} show
 * and release every holder of a name (mode, owner, node, holder id, its own fence token) and the
 * waiter marker. Real leases are acquired in several modes with {@link DefaultLeaseClient}s on
 * DynamoDB Local over HTTP; the tool runs in-process with its own SDK client.
 */
class LockModesCliTest {
    @RegisterExtension
    static final DynamoDbLocal DYNAMO = DynamoDbLocal.server();

    private static final Duration LEASE = Duration.ofSeconds(20);

    private DynamoDbLeaseStore store;
    private final List<DefaultLeaseClient> clients = new ArrayList<>();

    @BeforeEach
    void newTable() {
        store = DYNAMO.newStore();
    }

    @AfterEach
    void closeClients() {
        clients.forEach(DefaultLeaseClient::close);
    }

    @Test
    void listShowsEveryHolderInEveryModeAndTheWaiterMarker() throws Exception {
        Lease readerA = client("worker-a").acquire("reports", in(LockMode.PR));
        Lease readerB = client("worker-b").acquire("reports", in(LockMode.PR));
        Lease concurrent = client("worker-b").acquire("reports", in(LockMode.CR));
        // NL first: an NL grant after the EX one raises the counter, which the store reports as the EX
        // holder's token (it keeps no EX token of its own)
        Lease interest = client("worker-d").acquire("orders", in(LockMode.NL));
        Lease writer = client("worker-c").acquire("orders", in(LockMode.EX));
        CompletableFuture<Lease> waiting = client("worker-e").acquireAsync("reports", in(LockMode.EX));
        Await.until(
                "the EX request marks itself waiting", () -> record("reports").waiter() != null);
        LeaseRecord reports = record("reports");
        LeaseWaiter waiter = reports.waiter();

        Run text = run("list", "--table", store.tableName());
        Run json = run("list", "--table", store.tableName(), "--json");

        assertEquals(TxleaseCli.OK, text.exitCode, text.toString());
        List<String> lines = text.out.lines().toList();
        assertEquals(
                List.of("NAME", "MODE", "ROLE", "OWNER", "NODE", "HOLDER-ID", "FENCE", "LEASE", "PREPARED-XID"),
                columns(lines.get(0)));
        assertEquals(
                List.of(
                        row("orders", writer, "-"),
                        row("orders", interest, holderId("orders", interest)),
                        row("reports", readerA, holderId("reports", readerA)),
                        row("reports", readerB, holderId("reports", readerB)),
                        row("reports", concurrent, holderId("reports", concurrent)),
                        List.of("reports", "EX", "waiter", "worker-e", "-", waiter.waiterId(), "-", "PT20S", "-")),
                lines.subList(1, lines.size()).stream()
                        .map(LockModesCliTest::columns)
                        .toList(),
                text.out);
        assertEquals(TxleaseCli.OK, json.exitCode, json.toString());
        assertTrue(
                json.out.contains("{\"mode\":\"PR\",\"holderId\":\"" + holderId("reports", readerA)
                        + "\",\"owner\":\"worker-a\",\"node\":\"node-worker-a\",\"fence\":" + token(readerA)
                        + ",\"leaseDurationMs\":20000,"),
                json.out);
        assertTrue(json.out.contains("{\"mode\":\"EX\",\"holderId\":null,\"owner\":\"worker-c\","), json.out);
        assertTrue(
                json.out.contains("\"waiter\":{\"mode\":\"EX\",\"owner\":\"worker-e\",\"waiterId\":\""
                        + waiter.waiterId() + "\",\"leaseDurationMs\":20000,\"version\":\"" + waiter.version()
                        + "\"}"),
                json.out);
        assertTrue(json.out.contains("\"name\":\"orders\""), json.out);
        assertTrue(json.out.contains("\"held\":true"), json.out);
        assertTrue(json.out.contains("\"waiter\":null"), json.out); // orders has none

        assertTrue(client("worker-a").release(readerA));
        assertTrue(client("worker-b").release(readerB));
        assertTrue(client("worker-b").release(concurrent));
        Lease granted = waiting.get(30, TimeUnit.SECONDS);
        assertTrue(granted.fenceToken().isNewerThan(concurrent.fenceToken()));
    }

    @Test
    void inspectShowsEveryHolderTheFenceCounterAndTheWaiterMarker() throws Exception {
        Lease reader = client("worker-a").acquire("reports", in(LockMode.PR));
        Lease concurrent = client("worker-b").acquire("reports", in(LockMode.CR));
        CompletableFuture<Lease> waiting = client("worker-e").acquireAsync("reports", in(LockMode.PW));
        Await.until(
                "the PW request marks itself waiting", () -> record("reports").waiter() != null);
        LeaseRecord reports = record("reports");
        String readerId = holderId("reports", reader);

        Run text = run("inspect", "reports", "--table", store.tableName());
        Run json = run("inspect", "reports", "--json", "--table", store.tableName());

        assertEquals(TxleaseCli.OK, text.exitCode, text.toString());
        assertTrue(text.out.contains("state:         held by 2 holders (CR 1, PR 1)"), text.out);
        assertTrue(text.out.contains("fence:         " + reports.fence() + " (the fence counter"), text.out);
        assertTrue(
                text.out.contains("waiter:        PW, owner 'worker-e', waiter id "
                        + reports.waiter().waiterId()),
                text.out);
        List<List<String>> holderRows = text.out
                .lines()
                .dropWhile(line -> !line.startsWith("holders:"))
                .skip(2)
                .map(LockModesCliTest::columns)
                .toList();
        LeaseHolder readerHolder = holder(reports, reader);
        assertEquals(
                List.of(
                        List.of(
                                "PR",
                                "worker-a",
                                "node-worker-a",
                                readerId,
                                Long.toString(token(reader)),
                                "PT20S",
                                readerHolder.version(),
                                "-",
                                "-"),
                        List.of(
                                "CR",
                                "worker-b",
                                "node-worker-b",
                                holderId("reports", concurrent),
                                Long.toString(token(concurrent)),
                                "PT20S",
                                holder(reports, concurrent).version(),
                                "-",
                                "-")),
                holderRows,
                text.out);
        assertEquals(TxleaseCli.OK, json.exitCode, json.toString());
        assertTrue(json.out.startsWith("{\"name\":\"reports\",\"owner\":null,"), json.out);
        assertTrue(
                json.out.contains("\"held\":true,\"holders\":[{\"mode\":\"PR\",\"holderId\":\"" + readerId + "\""),
                json.out);
        assertTrue(json.out.contains("\"waiter\":{\"mode\":\"PW\",\"owner\":\"worker-e\""), json.out);

        client("worker-a").release(reader);
        waiting.get(30, TimeUnit.SECONDS);
    }

    @Test
    void forcedReleaseOfASharedHolderRemovesOnlyThatHolderAndKeepsTheFenceCounter() {
        Lease readerA = client("worker-a").acquire("reports", in(LockMode.PR));
        Lease readerB = client("worker-b").acquire("reports", in(LockMode.PR));
        LeaseRecord before = record("reports");
        String idA = holderId("reports", readerA);

        Run released = run("release", "reports", "--owner", "worker-a", "--force", "--table", store.tableName());

        assertEquals(TxleaseCli.OK, released.exitCode, released.toString());
        assertTrue(
                released.out.contains("Released PR holder " + idA + " of lock 'reports' held by 'worker-a'"
                        + " (node 'node-worker-a') with fence token " + token(readerA) + "."),
                released.out);
        assertTrue(
                released.out.contains("The fence counter stays at " + before.fence() + ": the next grant carries token "
                        + (before.fence() + 1) + " or larger"),
                released.out);
        LeaseRecord after = record("reports");
        assertEquals(before.fence(), after.fence(), "the fence counter stays");
        assertNull(holder(after, readerA), "worker-a's holder is gone");
        assertEquals(holder(before, readerB), holder(after, readerB), "worker-b's holder is untouched");
        assertTrue(client("worker-b").release(readerB));
        Lease next = client("worker-c").acquire("reports", in(LockMode.EX));
        assertEquals(before.fence() + 1, token(next));
    }

    @Test
    void anOwnerWithSeveralHoldersNeedsModeHolderOrAllAndEachReleaseIsListed() {
        DefaultLeaseClient worker = client("worker-a");
        Lease first = worker.acquire("reports", in(LockMode.PR));
        Lease second = worker.acquire("reports", in(LockMode.PR));
        Lease concurrent = worker.acquire("reports", in(LockMode.CR));
        Lease other = client("worker-b").acquire("reports", in(LockMode.PR));
        LeaseRecord before = record("reports");
        String secondId = holderId(before, second);
        DYNAMO.requests().reset();

        Run ambiguous = run("release", "reports", "--owner", "worker-a", "--force", "--table", store.tableName());
        Run ambiguousMode = run(
                "release", "reports", "--owner", "worker-a", "--force", "--mode", "PR", "--table", store.tableName());

        assertEquals(TxleaseCli.USAGE, ambiguous.exitCode, ambiguous.toString());
        assertTrue(
                ambiguous.err.contains("error: 'worker-a' holds lock 'reports' 3 times (PR "
                        + holderId(before, first) + ", PR " + holderId(before, second) + ", CR "
                        + holderId(before, concurrent) + "): nothing released."),
                ambiguous.err);
        assertTrue(ambiguous.err.contains("Add --mode and --holder to release one, or --all"), ambiguous.err);
        assertEquals(TxleaseCli.USAGE, ambiguousMode.exitCode, ambiguousMode.toString());
        assertTrue(ambiguousMode.err.contains("holds lock 'reports' 2 times in mode PR"), ambiguousMode.err);
        assertEquals(Map.of("GetItem", 2L), DYNAMO.requests().snapshot(), "one read each, no write");
        assertEquals(before, record("reports"));

        Run one = run(
                "release",
                "reports",
                "--owner",
                "worker-a",
                "--force",
                "--mode",
                "PR",
                "--holder",
                secondId,
                "--json",
                "--table",
                store.tableName());

        assertEquals(TxleaseCli.OK, one.exitCode, one.toString());
        assertEquals(
                "{\"name\":\"reports\",\"owner\":\"worker-a\",\"released\":true,\"holders\":[{\"mode\":\"PR\","
                        + "\"holderId\":\"" + secondId + "\",\"node\":\"node-worker-a\",\"fence\":"
                        + token(second) + ",\"preparedXid\":null,\"released\":true}],\"fence\":" + before.fence()
                        + ",\"nextFenceAtLeast\":" + (before.fence() + 1) + "}",
                one.out.strip());
        assertNull(holder(record("reports"), second));
        assertNotNull(holder(record("reports"), first));

        Run all = run("release", "reports", "--owner", "worker-a", "--force", "--all", "--table", store.tableName());

        assertEquals(TxleaseCli.OK, all.exitCode, all.toString());
        assertTrue(all.out.contains("Released PR holder " + holderId(before, first)), all.out);
        assertTrue(all.out.contains("Released CR holder " + holderId(before, concurrent)), all.out);
        LeaseRecord after = record("reports");
        assertEquals(List.of(holder(before, other)), after.holders(), "only worker-b's holder is left");
        assertEquals(before.fence(), after.fence(), "the fence counter stays");
    }

    @Test
    void contradictoryOrUnmatchedSelectionsReleaseNothing() {
        Lease reader = client("worker-a").acquire("reports", in(LockMode.PR));
        Lease writer = client("worker-c").acquire("orders", in(LockMode.EX));
        LeaseRecord reports = record("reports");
        LeaseRecord orders = record("orders");
        String table = store.tableName();

        Run holderOfEx = run(
                "release",
                "orders",
                "--owner",
                "worker-c",
                "--force",
                "--mode",
                "EX",
                "--holder",
                "abc",
                "--table",
                table);
        Run badMode = run("release", "reports", "--owner", "worker-a", "--force", "--mode", "XX", "--table", table);
        Run badId =
                run("release", "reports", "--owner", "worker-a", "--force", "--holder", "no/such", "--table", table);
        Run wrongMode = run("release", "reports", "--owner", "worker-a", "--force", "--mode", "CR", "--table", table);
        Run wrongHolder =
                run("release", "reports", "--owner", "worker-a", "--force", "--holder", "nobody", "--table", table);
        Run exByMode = run("release", "orders", "--owner", "worker-c", "--force", "--mode", "EX", "--table", table);

        assertEquals(TxleaseCli.USAGE, holderOfEx.exitCode, holderOfEx.toString());
        assertTrue(holderOfEx.err.contains("an EX holder has no holder id"), holderOfEx.err);
        assertEquals(TxleaseCli.USAGE, badMode.exitCode, badMode.toString());
        assertTrue(badMode.err.contains("Invalid value for option '--mode'"), badMode.err);
        assertEquals(TxleaseCli.USAGE, badId.exitCode, badId.toString());
        assertTrue(badId.err.contains("holderId must be 1 to 64 letters"), badId.err);
        assertEquals(TxleaseCli.NOT_HELD, wrongMode.exitCode, wrongMode.toString());
        assertTrue(
                wrongMode.err.contains("lock 'reports' has no holder of 'worker-a' in mode CR; it holds: PR "
                        + holderId("reports", reader) + " (worker-a)"),
                wrongMode.err);
        assertEquals(TxleaseCli.NOT_HELD, wrongHolder.exitCode, wrongHolder.toString());
        assertEquals(reports, record("reports"));
        assertEquals(TxleaseCli.OK, exByMode.exitCode, exByMode.toString());
        assertTrue(
                exByMode.out.contains(
                        "Released EX holder of lock 'orders' held by 'worker-c' (node 'node-worker-c') with"
                                + " fence token " + token(writer) + "."),
                exByMode.out);
        assertTrue(record("orders").released());
        assertEquals(orders.fence(), record("orders").fence());
    }

    @Test
    void anExHolderBesideALaterNlHolderShowsItsOwnToken() {
        Lease writer = client("worker-c").acquire("orders", in(LockMode.EX));
        Lease interest = client("worker-d").acquire("orders", in(LockMode.NL));
        long counter = record("orders").fence();
        assertEquals(token(interest), counter);
        assertTrue(token(writer) < counter);

        Run list = run("list", "--table", store.tableName());
        Run inspect = run("inspect", "orders", "--table", store.tableName());

        assertEquals(TxleaseCli.OK, list.exitCode, list.toString());
        List<String> exRow = columns(list.out.lines().toList().get(1));
        assertEquals(List.of("orders", "EX", "holder", "worker-c"), exRow.subList(0, 4), list.out);
        assertEquals(Long.toString(token(writer)), exRow.get(6), list.out);
        assertEquals(TxleaseCli.OK, inspect.exitCode, inspect.toString());
        assertTrue(inspect.out.contains(" " + token(writer) + " "), inspect.out);
        assertFalse(inspect.out.contains("<" + counter), inspect.out);
    }

    private DefaultLeaseClient client(String owner) {
        for (DefaultLeaseClient client : clients) {
            if (client.owner().equals(owner)) {
                return client;
            }
        }
        DefaultLeaseClient client = DefaultLeaseClient.builder(store)
                .owner(owner)
                .node("node-" + owner)
                .build();
        clients.add(client);
        return client;
    }

    /** No heartbeat: the versions the tool reads stay until the test changes them. */
    private static AcquireOptions in(LockMode mode) {
        return AcquireOptions.builder()
                .mode(mode)
                .leaseDuration(LEASE)
                .heartbeatPeriod(Duration.ZERO)
                .waitTimeout(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(20))
                .build();
    }

    private LeaseRecord record(String name) {
        return store.read(name).orElseThrow();
    }

    /** The holder of {@code lease} in {@code record} (found by its token), or null. */
    private static LeaseHolder holder(LeaseRecord record, Lease lease) {
        for (LeaseHolder holder : record.allHolders()) {
            if (holder.mode() == lease.mode()
                    && holder.owner().equals(lease.owner())
                    && holder.fence() == token(lease)) {
                return holder;
            }
        }
        return null;
    }

    private String holderId(String name, Lease lease) {
        return holderId(record(name), lease);
    }

    private static String holderId(LeaseRecord record, Lease lease) {
        LeaseHolder holder = holder(record, lease);
        assertNotNull(holder, "no holder for " + lease + " in " + record);
        return holder.ref().holderId();
    }

    private List<String> row(String name, Lease lease, String holderId) {
        return List.of(
                name,
                lease.mode().name(),
                "holder",
                lease.owner(),
                "node-" + lease.owner(),
                holderId,
                Long.toString(token(lease)),
                "PT20S",
                "-");
    }

    private static long token(Lease lease) {
        return lease.fenceToken().value();
    }

    private static List<String> columns(String line) {
        return List.of(line.trim().split("\\s+"));
    }

    private static Run run(String... args) {
        Cli.Run run = Cli.runAt(DYNAMO.endpoint().toString(), args);
        return new Run(run.exitCode(), run.out(), run.err());
    }

    private record Run(int exitCode, String out, String err) {}
}
