package dev.txlease.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.txlease.dynamodb.DynamoDbLeaseStore;
import dev.txlease.spi.GrantRequest;
import dev.txlease.spi.LeaseRecord;
import dev.txlease.spi.PreparedBranch;
import dev.txlease.spi.StoreResult;
import dev.txlease.testing.DynamoDbLocal;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.services.dynamodb.model.ResourceNotFoundException;
import software.amazon.awssdk.services.dynamodb.model.TimeToLiveDescription;
import software.amazon.awssdk.services.dynamodb.model.TimeToLiveStatus;

/**
 * Runs every command of the tool in-process (picocli's {@code execute}) against DynamoDB Local over
 * HTTP, through the tool's own SDK client, and asserts on its output, exit code and the table.
 */
class TxleaseCliTest {
    @RegisterExtension
    static final DynamoDbLocal DYNAMO = DynamoDbLocal.server();

    private static final Duration LEASE = Duration.ofSeconds(20);

    @Test
    void createTableCreatesATableTheStoreCanUseAndIsIdempotent() {
        String table = DYNAMO.newTableName();

        Run first = run("create-table", "--table", table);
        Run second = run("create-table", "--table", table);

        assertEquals(TxleaseCli.OK, first.exitCode, first.toString());
        assertTrue(first.out.contains("Table '" + table + "' is ACTIVE with partition key 'name'"), first.out);
        assertTrue(
                first.out.contains("Recovery index '" + DynamoDbLeaseStore.PREPARED_INDEX + "' is ACTIVE."), first.out);
        assertEquals(TxleaseCli.OK, second.exitCode, second.toString());
        DynamoDbLeaseStore store =
                DynamoDbLeaseStore.builder(DYNAMO.client()).tableName(table).build();
        assertTrue(grant(store, "orders", "worker-1", "node-a").succeeded());
    }

    @Test
    void listShowsHeldLeasesOnlyWithOwnerNodeFenceLeaseAndPreparedXid() {
        DynamoDbLeaseStore store = DYNAMO.newStore();
        LeaseRecord orders = grant(store, "orders", "worker-1", "node-a").record();
        LeaseRecord billing = grant(store, "billing", "worker-2", "node-b").record();
        prepare(store, billing, "xid-billing-1");
        String billingFence = Long.toString(billing.fence());
        String ordersFence = Long.toString(orders.fence());
        LeaseRecord gone = grant(store, "gone", "worker-3", "node-a").record();
        assertTrue(store.release("gone", "worker-3", List.of(gone.version())).succeeded());

        Run text = run("list", "--table", store.tableName());
        Run json = run("list", "--table", store.tableName(), "--json");

        assertEquals(TxleaseCli.OK, text.exitCode, text.toString());
        List<String> lines = text.out.lines().toList();
        assertEquals(3, lines.size(), text.out); // header, billing, orders: not the released 'gone'
        assertTrue(lines.get(0).startsWith("NAME"), text.out);
        assertEquals(
                List.of("billing", "EX", "holder", "worker-2", "node-b", "-", billingFence, "PT20S", "xid-billing-1"),
                columns(lines.get(1)));
        assertEquals(
                List.of("orders", "EX", "holder", "worker-1", "node-a", "-", ordersFence, "PT20S", "-"),
                columns(lines.get(2)));
        assertEquals(TxleaseCli.OK, json.exitCode, json.toString());
        assertTrue(
                json.out.startsWith("[{\"name\":\"billing\",\"owner\":\"worker-2\",\"node\":\"node-b\",\"fence\":"
                        + billingFence + "," + "\"leaseDurationMs\":20000,\"released\":false,"),
                json.out);
        assertTrue(json.out.contains("\"preparedXid\":\"xid-billing-1\""), json.out);
        assertTrue(json.out.contains("{\"name\":\"orders\""), json.out);
        assertFalse(json.out.contains("gone"), json.out);
    }

    @Test
    void inspectShowsOneLockAndFailsForAnUnknownOrMissingName() {
        DynamoDbLeaseStore store = DYNAMO.newStore();
        LeaseRecord orders = grant(store, "orders", "worker-1", "node-a").record();

        Run text = run("inspect", "orders", "--table", store.tableName());
        Run json = run("inspect", "--json", "orders", "--table", store.tableName());
        Run unknown = run("inspect", "no-such-lock", "--table", store.tableName());
        Run missingName = run("inspect", "--table", store.tableName());

        assertEquals(TxleaseCli.OK, text.exitCode, text.toString());
        assertTrue(text.out.contains("state:         held"), text.out);
        assertTrue(text.out.contains("state:         held by 1 holder (EX 1)"), text.out);
        assertTrue(
                text.out.lines().anyMatch(line -> columns(line)
                        .equals(List.of(
                                "EX",
                                "worker-1",
                                "node-a",
                                "-",
                                Long.toString(orders.fence()),
                                "PT20S",
                                orders.version(),
                                "-",
                                "-"))),
                text.out);
        assertTrue(text.out.contains("fence:         " + orders.fence()), text.out);
        assertTrue(text.out.contains("version:       " + orders.version()), text.out);
        assertTrue(json.out.startsWith("{\"name\":\"orders\",\"owner\":\"worker-1\""), json.out);
        assertEquals(TxleaseCli.NOT_HELD, unknown.exitCode, unknown.toString());
        assertTrue(unknown.err.contains("no lock named 'no-such-lock'"), unknown.err);
        assertEquals(TxleaseCli.USAGE, missingName.exitCode, missingName.toString());
        assertTrue(missingName.err.contains("Missing required parameter: 'NAME'"), missingName.err);
    }

    @Test
    void releaseWithoutForceRefusesAndChangesNothing() {
        DynamoDbLeaseStore store = DYNAMO.newStore();
        LeaseRecord before = grant(store, "orders", "worker-1", "node-a").record();
        long requestsBefore = DYNAMO.requests().total();

        Run refused = run("release", "orders", "--owner", "worker-1", "--table", store.tableName());

        assertEquals(TxleaseCli.USAGE, refused.exitCode, refused.toString());
        assertTrue(refused.err.contains("refusing to release lock 'orders' without --force"), refused.err);
        assertEquals(requestsBefore, DYNAMO.requests().total(), "a refused release sends no request");
        assertEquals(before, store.read("orders").orElseThrow());
    }

    @Test
    void forcedReleaseKeepsTheFenceCounterSoTheNextGrantCarriesALargerToken() {
        DynamoDbLeaseStore store = DYNAMO.newStore();
        LeaseRecord first = grant(store, "orders", "worker-0", "node-a").record();
        assertTrue(store.release("orders", "worker-0", List.of(first.version())).succeeded());
        LeaseRecord held = grant(store, "orders", "worker-1", "node-a").record();
        prepare(store, held, "xid-orders-1");
        long token = held.fence();
        assertEquals(first.fence() + 1, token);

        Run released = run("release", "orders", "--owner", "worker-1", "--force", "--table", store.tableName());

        assertEquals(TxleaseCli.OK, released.exitCode, released.toString());
        assertTrue(
                released.out.contains(
                        "Released EX holder of lock 'orders' held by 'worker-1' (node 'node-a') with fence" + " token "
                                + token + "."),
                released.out);
        assertTrue(released.out.contains("the next grant carries token " + (token + 1) + " or larger"), released.out);
        assertTrue(released.out.contains("prepared transaction branch xid-orders-1 of node 'node-a'"), released.out);
        LeaseRecord after = store.read("orders").orElseThrow();
        assertTrue(after.released());
        assertEquals(token, after.fence(), "the fence counter stays");
        assertEquals(null, after.transactionId());
        StoreResult next = grant(store, "orders", "worker-2", "node-b");
        assertTrue(next.succeeded(), next.toString());
        assertTrue(next.record().fenceToken().isNewerThan(held.fenceToken()), next.toString());
        assertEquals(token + 1, next.record().fence());
    }

    @Test
    void forcedReleaseOfAnotherOwnersOrAnUnknownLockReleasesNothing() {
        DynamoDbLeaseStore store = DYNAMO.newStore();
        LeaseRecord held = grant(store, "orders", "worker-1", "node-a").record();

        Run wrongOwner = run("release", "orders", "--owner", "worker-9", "--force", "--table", store.tableName());
        Run unknown = run("release", "nothing", "--owner", "worker-1", "--force", "--table", store.tableName());
        Run missingOwner = run("release", "orders", "--force", "--table", store.tableName());

        assertEquals(TxleaseCli.NOT_HELD, wrongOwner.exitCode, wrongOwner.toString());
        assertTrue(
                wrongOwner.err.contains("has no holder of 'worker-9'; it holds: EX (worker-1); nothing released"),
                wrongOwner.err);
        assertEquals(TxleaseCli.NOT_HELD, unknown.exitCode, unknown.toString());
        assertEquals(TxleaseCli.USAGE, missingOwner.exitCode, missingOwner.toString());
        assertTrue(missingOwner.err.contains("Missing required option: '--owner=OWNER'"), missingOwner.err);
        assertEquals(held, store.read("orders").orElseThrow());
    }

    @Test
    void preparedListsTheInDoubtBranchesOfOneNode() {
        DynamoDbLeaseStore store = DYNAMO.newStore();
        LeaseRecord orders = grant(store, "a-orders", "worker-1", "node-a").record();
        prepare(store, orders, "xid-a");
        prepare(store, grant(store, "b-billing", "worker-2", "node-b").record(), "xid-b");
        grant(store, "a-idle", "worker-3", "node-a");

        Run nodeA = run("prepared", "--node", "node-a", "--table", store.tableName());
        Run json = run("prepared", "--node", "node-b", "--json", "--table", store.tableName());
        Run missingNode = run("prepared", "--table", store.tableName());

        assertEquals(TxleaseCli.OK, nodeA.exitCode, nodeA.toString());
        List<String> lines = nodeA.out.lines().toList();
        assertEquals(2, lines.size(), nodeA.out);
        assertEquals(List.of("xid-a", "node-a", "a-orders"), columns(lines.get(1)));
        assertEquals(
                "[{\"node\":\"node-b\",\"preparedXid\":\"xid-b\",\"locks\":[\"b-billing\"],\"keptLocks\":[]}]",
                json.out.strip());
        assertEquals(TxleaseCli.USAGE, missingNode.exitCode, missingNode.toString());
    }

    @Test
    void anUnknownTableIsAStoreFailureThatSaysSo() {
        Run list = run("list", "--table", DYNAMO.newTableName());
        Run inspect = run("inspect", "orders", "--table", DYNAMO.newTableName());

        assertEquals(TxleaseCli.STORE_FAILED, list.exitCode, list.toString());
        assertTrue(list.err.contains("ResourceNotFoundException"), list.err);
        assertEquals(TxleaseCli.STORE_FAILED, inspect.exitCode, inspect.toString());
        assertTrue(inspect.err.contains("does not exist in this account and region"), inspect.err);
    }

    @Test
    void aWrongEndpointIsAStoreFailureThatNamesIt() {
        String endpoint = "http://127.0.0.1:" + Cli.closedPort();

        Run list = runAt(endpoint, "list", "--table", "txlease_locks");

        assertEquals(TxleaseCli.STORE_FAILED, list.exitCode, list.toString());
        assertTrue(list.err.startsWith("error: Scan on table 'txlease_locks' at " + endpoint), list.err);
        for (List<String> command : List.of(
                List.of("create-table"),
                List.of("inspect", "orders"),
                List.of("release", "orders", "--owner", "worker-1", "--force"),
                List.of("prepared", "--node", "node-a"))) {
            Run run = runAt(endpoint, command.toArray(String[]::new));
            assertEquals(TxleaseCli.STORE_FAILED, run.exitCode, command + ": " + run);
            assertTrue(run.err.startsWith("error: "), command + ": " + run.err);
            assertTrue(run.err.contains("txlease_locks"), command + ": " + run.err);
            assertTrue(run.err.contains("Unable to execute HTTP request"), command + ": " + run.err);
            assertEquals("", run.out, command + ": " + run.out);
        }
    }

    @Test
    void createTableWithReleasedItemExpiryTurnsTimeToLiveOnForTheExpiryAttribute() {
        String table = DYNAMO.newTableName();
        String plain = DYNAMO.newTableName();

        Run text = run("create-table", "--released-item-expiry", "PT24H", "--table", table);
        Run json = run("create-table", "--released-item-expiry", "PT24H", "--table", table, "--json");
        Run withoutExpiry = run("create-table", "--table", plain, "--json");

        assertEquals(TxleaseCli.OK, text.exitCode, text.toString());
        assertTrue(
                text.out.contains("Time to live: ENABLED on attribute 'expiresAt': DynamoDB deletes a lock's item"
                        + " once it has been released for PT24H"),
                text.out);
        TimeToLiveDescription ttl = DYNAMO.client()
                .describeTimeToLive(request -> request.tableName(table))
                .timeToLiveDescription();
        assertEquals(TimeToLiveStatus.ENABLED, ttl.timeToLiveStatus());
        assertEquals("expiresAt", ttl.attributeName());
        assertEquals(TxleaseCli.OK, json.exitCode, json.toString());
        assertEquals(
                "{\"table\":\"" + table + "\",\"status\":\"ACTIVE\",\"partitionKey\":\"name\","
                        + "\"preparedIndex\":\"" + DynamoDbLeaseStore.PREPARED_INDEX + "\",\"timeToLive\":\"ENABLED\","
                        + "\"timeToLiveAttribute\":\"expiresAt\",\"releasedItemExpiry\":\"PT24H\"}",
                json.out.strip());
        assertEquals(TxleaseCli.OK, withoutExpiry.exitCode, withoutExpiry.toString());
        assertEquals(
                "{\"table\":\"" + plain + "\",\"status\":\"ACTIVE\",\"partitionKey\":\"name\","
                        + "\"preparedIndex\":\"" + DynamoDbLeaseStore.PREPARED_INDEX + "\",\"timeToLive\":\"DISABLED\","
                        + "\"timeToLiveAttribute\":null,\"releasedItemExpiry\":null}",
                withoutExpiry.out.strip());
    }

    @Test
    void aReleasedItemExpiryUnderOneHourOrNotADurationIsRefusedBeforeAnyRequest() {
        String table = DYNAMO.newTableName();
        long requestsBefore = DYNAMO.requests().total();

        Run tooShort = run("create-table", "--released-item-expiry", "PT30M", "--table", table);
        Run notADuration = run("create-table", "--released-item-expiry", "24h", "--table", table);

        assertEquals(TxleaseCli.USAGE, tooShort.exitCode, tooShort.toString());
        assertTrue(
                tooShort.err.startsWith("error: --released-item-expiry PT30M is refused: releasedItemExpiry must be"
                        + " between 1 hour and 3650 days, was PT30M"),
                tooShort.err);
        assertEquals(TxleaseCli.USAGE, notADuration.exitCode, notADuration.toString());
        assertTrue(notADuration.err.contains("Invalid value for option '--released-item-expiry'"), notADuration.err);
        assertEquals(requestsBefore, DYNAMO.requests().total(), "refused before any request");
        assertThrows(ResourceNotFoundException.class, () -> DYNAMO.client()
                .describeTable(request -> request.tableName(table)));
    }

    @Test
    void forcedReleaseWithJsonPrintsWhatItReleasedAndTheNextTokenFloor() {
        DynamoDbLeaseStore store = DYNAMO.newStore();
        LeaseRecord held = grant(store, "orders", "worker-1", "node-a").record();
        prepare(store, held, "xid-orders-1");

        Run json = run("release", "orders", "--owner", "worker-1", "--force", "--json", "--table", store.tableName());

        assertEquals(TxleaseCli.OK, json.exitCode, json.toString());
        assertEquals(
                "{\"name\":\"orders\",\"owner\":\"worker-1\",\"released\":true,\"holders\":[{\"mode\":\"EX\","
                        + "\"holderId\":null,\"node\":\"node-a\",\"fence\":" + held.fence()
                        + ",\"preparedXid\":\"xid-orders-1\",\"released\":true}],\"fence\":" + held.fence()
                        + ",\"nextFenceAtLeast\":" + (held.fence() + 1) + "}",
                json.out.strip());
        assertTrue(store.read("orders").orElseThrow().released());
    }

    @Test
    void unknownTableOrMissingNameOnReleaseAndPrepared() {
        String table = DYNAMO.newTableName();

        Run release = run("release", "orders", "--owner", "worker-1", "--force", "--table", table);
        Run prepared = run("prepared", "--node", "node-a", "--table", table);
        Run createBadTable = run("create-table", "--table", "x");
        Run missingName = run("release", "--owner", "worker-1", "--force", "--table", table);

        assertEquals(TxleaseCli.STORE_FAILED, release.exitCode, release.toString());
        assertTrue(release.err.contains("'" + table + "'"), release.err);
        assertEquals(TxleaseCli.STORE_FAILED, prepared.exitCode, prepared.toString());
        assertTrue(prepared.err.contains(table), prepared.err);
        assertEquals(TxleaseCli.USAGE, createBadTable.exitCode, createBadTable.toString());
        assertEquals(TxleaseCli.USAGE, missingName.exitCode, missingName.toString());
        assertTrue(missingName.err.contains("Missing required parameter: 'NAME'"), missingName.err);
    }

    @Test
    void badInputIsAUsageErrorAndEveryCommandHasHelp() {
        Run noCommand = run();
        Run unknownOption = run("list", "--no-such-option");
        Run badTable = run("list", "--table", "x");
        Run badEndpoint = runAt("not a uri", "list");

        assertEquals(TxleaseCli.USAGE, noCommand.exitCode, noCommand.toString());
        assertTrue(noCommand.err.contains("Missing required subcommand"), noCommand.err);
        assertEquals(TxleaseCli.USAGE, unknownOption.exitCode, unknownOption.toString());
        assertTrue(unknownOption.err.contains("Unknown option: '--no-such-option'"), unknownOption.err);
        assertEquals(TxleaseCli.USAGE, badTable.exitCode, badTable.toString());
        assertTrue(badTable.err.contains("tableName must be 3 to 255 characters"), badTable.err);
        assertEquals(TxleaseCli.USAGE, badEndpoint.exitCode, badEndpoint.toString());
        for (String command : List.of("create-table", "list", "inspect", "release", "prepared", "guard check")) {
            Run help = run((command + " --help").split(" "));
            assertEquals(TxleaseCli.OK, help.exitCode, help.toString());
            assertTrue(help.out.startsWith("Usage: txlease " + command), help.out);
            assertTrue(help.out.contains("--endpoint=URL"), help.out);
            assertTrue(help.out.contains("--json"), help.out);
        }
        Run help = run("--help");
        assertTrue(help.out.contains("Exit codes:"), help.out);
        assertTrue(help.out.contains("5   a guard token above the lease table's fence"), help.out);
    }

    private static StoreResult grant(DynamoDbLeaseStore store, String name, String owner, String node) {
        return store.tryGrant(
                new GrantRequest(name, owner, node, UUID.randomUUID().toString(), LEASE, null, null));
    }

    private static void prepare(DynamoDbLeaseStore store, LeaseRecord held, String transactionId) {
        store.savePrepared(new PreparedBranch(held.node(), transactionId, List.of(held.name()), Set.of()));
        StoreResult prepared = store.prepare(
                held.name(),
                held.owner(),
                List.of(held.version()),
                UUID.randomUUID().toString(),
                LEASE,
                transactionId);
        assertTrue(prepared.succeeded(), prepared.toString());
    }

    private static List<String> columns(String line) {
        return List.of(line.trim().split("\\s+"));
    }

    private static Run run(String... args) {
        return runAt(DYNAMO.endpoint().toString(), args);
    }

    private static Run runAt(String endpoint, String... args) {
        Cli.Run run = Cli.runAt(endpoint, args);
        return new Run(run.exitCode(), run.out(), run.err());
    }

    private record Run(int exitCode, String out, String err) {}
}
