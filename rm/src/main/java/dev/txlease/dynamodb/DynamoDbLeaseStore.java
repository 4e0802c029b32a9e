package dev.txlease.dynamodb;

import dev.txlease.LockMode;
import dev.txlease.spi.GrantRequest;
import dev.txlease.spi.HolderRef;
import dev.txlease.spi.LeaseRecord;
import dev.txlease.spi.LeaseStore;
import dev.txlease.spi.LeaseWaiter;
import dev.txlease.spi.PreparedBranch;
import dev.txlease.spi.StoreResult;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.DynamoDbServiceClientConfiguration;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.GetItemResponse;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;
import software.amazon.awssdk.services.dynamodb.model.UpdateItemRequest;
import software.amazon.awssdk.services.dynamodb.model.UpdateItemResponse;

/**
 * A {@link LeaseStore} on a DynamoDB table: one item per lock name, changed only by conditional
 * {@code UpdateItem}s, one request per operation.
 *
 * <pre>
 * DynamoDbLeaseStore store = DynamoDbLeaseStore.builder(dynamoDbClient).tableName("locks").build();
 * store.createTableIfMissing(); // once, at deployment or start-up
 * </pre>
 *
 * <h2>Item schema</h2>
 *
 * <p>Attribute names are those of {@link DynamoDbLeaseAttributes#defaults()} unless configured:
 *
 * <pre>
 *   name            S     partition key: the lock name
 *   owner           S     the holder; absent once released
 *   version         S     compare-and-set nonce, fresh on every EX grant, renewal and prepare, and on
 *                         every takeover of the EX holder
 *   fence           N     the fence token of the latest grant (see Fence tokens)
 *   leaseDurationMs N     lease duration of the latest grant, renewal or prepare (sub-millisecond
 *                         parts are dropped)
 *   data            B     data stored with the lease; absent when none
 *   released        BOOL  true once released
 *   node            S     the holder's node, for XA recovery
 *   txid            S     the prepared transaction branch; absent when none
 *   expiresAt       N     epoch seconds after which DynamoDB TTL may delete a released item; written
 *                         only with {@link Builder#releasedItemExpiry}, removed by every grant
 * </pre>
 *
 * <p>These are the EX holder's attributes, exactly as before lock modes existed: an item that only
 * ever saw EX leases carries nothing else. Holders in the other modes ({@link dev.txlease.LockMode}
 * NL, CR, CW, PR, PW) add, with the holder prefix {@code h_} ({@link
 * DynamoDbLeaseAttributes#holderPrefix()}):
 *
 * <pre>
 *   h_PR            N     how many PR holders the item has (one counter per mode: h_NL ... h_PW)
 *   h_PR_&lt;id&gt;       M     one PR holder under its holder id (one per grant, chosen by the client):
 *                         o = owner, v = version (CAS nonce), d = lease duration in ms, n = node,
 *                         b = data (optional), x = prepared transaction (optional)
 *   h_PR#&lt;id&gt;       N     that holder's fence token
 *   waiter          M     the waiter marker, absent when nobody queues: i = waiter id, m = mode,
 *                         o = owner, v = version, d = lease duration in ms
 *   exFence         N     the EX holder's fence token, once an NL grant has counted the fence on
 *                         since the EX grant (see Fence tokens); removed by every EX grant
 * </pre>
 *
 * <p>A new item made by a grant in another mode than EX also gets {@code version}, {@code
 * leaseDurationMs} and {@code released = true} (no EX holder). Clients of a txlease version without
 * lock modes ignore the holders of the other modes and would grant EX beside them: upgrade every
 * client of a table before any of them uses another mode than EX.
 *
 * <h3>Limits</h3>
 *
 * <p>At most {@value #MAX_HOLDERS_PER_MODE} holders per name in each of NL, CR, CW and PR (PW and EX
 * have at most one by the compatibility matrix), so at most 96 at once (32 each in NL, CR and CW, or
 * in NL, CR and PR); the grant's condition enforces it ({@code h_M < 32}) and the client fails with
 * a {@link dev.txlease.LeaseLimitException} naming the lock, the mode and the limit. A holder in
 * another mode than EX has an owner and a node of at most 128 UTF-8 bytes, data of at most 256
 * bytes and a prepared transaction id of at most 320 characters (checked before sending, {@link
 * IllegalArgumentException}): about 0.9 KB per holder, so 32 NL holders beside an EX holder with the
 * largest data stay below DynamoDB's 400 KB item, and a grant that evicts all 65 holders an EX
 * request can meet stays below the 4 KB expression limit.
 *
 * <p>Prepared transaction branches are kept in items of their own ({@code PreparedBranchItems}:
 * partition key U+0001 {@code "prepared:"} node {@code "/"} txid, which no lock name can be, and the
 * attributes {@code preparedNode}, {@code preparedTxid}, {@code preparedLocks}, {@code
 * preparedKept}), indexed by the sparse global secondary index {@value #PREPARED_INDEX} on {@code
 * preparedNode} and {@code preparedTxid}. Lock items never carry those attributes, so the index holds
 * only prepared branches.
 *
 * <h2>Algorithm</h2>
 *
 * <ol>
 *   <li><b>Grant</b>: {@code SET owner, version = new, leaseDurationMs, node, released = false, data
 *       (or REMOVE data), fence = if_not_exists(fence, :base) + 1 REMOVE txid, expiresAt, exFence} on
 *       condition {@code attribute_not_exists(name) OR released = true}, plus {@code OR version =
 *       takeoverVersion} for a takeover. {@code ALL_NEW} returns the fence token; on a failed
 *       condition {@code ALL_OLD} returns the holder's record, so a held lock costs no extra read.
 *   <li><b>Renew</b>: {@code SET version = new, leaseDurationMs} on condition {@code owner = :owner
 *       AND version IN (:expected...) AND released = false}; at most 100 expected versions
 *       (DynamoDB's limit on {@code IN}).
 *   <li><b>Prepare</b>: as renew, also {@code SET txid}.
 *   <li><b>Release</b>: on the renew condition, {@code SET released = true (, expiresAt) REMOVE
 *       owner, data, txid}. The item and its fence token stay.
 *   <li><b>Complete transaction</b>: on condition {@code txid = :txid}, release as above, or only
 *       {@code REMOVE txid} when the lease is kept.
 *   <li><b>Grant in mode M</b> (one {@code UpdateItem}, whatever the mode): for EX the SET above; for
 *       another mode {@code SET h_M_<id> = :holder, h_M#<id> = if_not_exists(fence, :base) + 1,
 *       fence = if_not_exists(fence, :base) + 1, h_M = if_not_exists(h_M, 0) + 1} (and {@code
 *       version}, {@code leaseDurationMs}, {@code released} if the item is new); for NL also {@code
 *       exFence = if_not_exists(exFence, if_not_exists(fence, :base))}. Condition, ANDed:
 *       <ul>
 *         <li>the EX holder: free or taken over as above, unless M is NL (NL is compatible with every
 *             mode); a takeover by a request in another mode releases it ({@code SET released = true,
 *             version = new REMOVE owner, data, txid}: the taken-over holder's late release or renewal
 *             finds its version gone and reports the lease lost, as after an EX takeover);
 *         <li>for every mode X among CR, CW, PR, PW incompatible with M: {@code attribute_not_exists(h_X)
 *             OR h_X = 0}; if the request evicts holders of X (a dead holder: the client saw its
 *             version unchanged for the holder's own lease on its own monotonic clock), {@code h_X
 *             = :k AND h_X_<id>.v = :seen ...} for the k evicted holders, which the same write
 *             removes ({@code REMOVE h_X_<id>, h_X#<id>}, {@code h_X} less k): a takeover stays one
 *             request;
 *         <li>for M itself if compatible with itself: {@code attribute_not_exists(h_M) OR h_M <
 *             32}, and {@code attribute_not_exists(h_M_<id>)} (a retried grant whose first attempt
 *             landed is a conflict that shows the caller its own holder);
 *         <li>fairness: {@code attribute_not_exists(waiter) OR NOT (waiter.m IN (modes incompatible
 *             with M))}; the requester's own marker instead ({@code waiter.i = :id}, removed by the
 *             grant), or a dead marker ({@code waiter.v = :seen}, removed).
 *       </ul>
 *   <li><b>Renew, prepare, release, complete a holder in another mode</b>: as for EX, on {@code
 *       h_M_<id>.o = :owner AND h_M_<id>.v IN (:expected...)} ({@code h_M_<id>.x = :txid} to
 *       complete), setting {@code h_M_<id>.v, .d (, .x)}; a release (or releasing completion)
 *       removes {@code h_M_<id>} and {@code h_M#<id>} and counts it out of {@code h_M}; the fence
 *       counter stays.
 *   <li><b>Convert</b> a holder to mode M: one grant in mode M whose condition also requires the
 *       caller's holder at one of its versions (for EX: {@code owner = :owner AND version IN (...) AND
 *       released = false}) and counts it among the holders the grant removes, so it never blocks its
 *       own conversion. A conversion goes ahead of a waiter marker whose mode its current mode
 *       blocks already (as in DLMs), and is blocked like a new request by one its current mode
 *       lets through (NL or CR then PR is no way around a queued writer); a conversion that waits
 *       queues like a request. It gets a new fence token.
 *   <li><b>Waiter marker</b>: {@code SET waiter = :marker} on {@code attribute_exists(name) AND
 *       (attribute_not_exists(waiter) OR waiter.i = :id OR waiter.v = :seenDeadVersion)} and the
 *       waiter not granted yet: {@code attribute_not_exists(h_M_<id>)} for mode M, {@code NOT (owner =
 *       :owner AND released = false)} for EX (a marker write the network delayed past the waiter's
 *       grant, which removed the marker, must not queue it again; a write delayed past its release
 *       too leaves a marker that dies after its lease duration, as a dead waiter's); removed
 *       by the waiter's grant or, when it gives up, by {@code REMOVE waiter} on {@code waiter.i =
 *       :id}. A request queues only when holders in modes other than EX block it (an EX request
 *       that waits for an EX holder writes nothing more than before lock modes), and only if nobody
 *       else queues: while the marker stands, no new grant in a mode incompatible with the
 *       waiter's is made to anybody else, so a waiting writer is not starved by a stream of
 *       readers; the holders it waits for drain. The waiter rewrites the marker's version every
 *       third of its lease duration while it waits; a waiter that died is replaced or removed by a
 *       requester that saw its marker unchanged for its lease duration.
 *   <li><b>Read</b>: a consistent {@code GetItem}.
 *   <li><b>Prepared branches</b>: {@code PutItem} of the branch item before its locks are prepared,
 *       {@code DeleteItem} once they are completed, and for recovery a paginated {@code Query} of
 *       the index {@value #PREPARED_INDEX} on {@code preparedNode = :node}: its cost follows the
 *       node's prepared branches, not the number of lock items.
 * </ol>
 *
 * <h2>Fence tokens</h2>
 *
 * <p>Every grant, in every mode, adds 1 to the item's token, in the same write; a holder in another
 * mode than EX keeps its own token ({@code h_M#<id>}). The EX holder's token is the item's {@code
 * fence} as its grant left it: only NL grants (NL conflicts with nothing) count the fence on beside
 * an EX holder, and each first keeps the counter in {@code exFence} if absent, which every EX grant
 * removes. So {@code exFence}, if present on a held item, else {@code fence}, is the EX holder's
 * token ({@link LeaseRecord#exclusiveFence()}); items of earlier versions, and items that only saw
 * EX grants, have no {@code exFence}, and no two grants share a token. A new item (or one without
 * a {@code fence}) starts at {@code :base + 1}, where {@code :base} is the granting client's wall
 * clock in epoch milliseconds times 1,000,000 ({@link Builder#wallClock}): about 1.8 &times;
 * 10<sup>18</sup> today, within a {@code long} until the year 2262. So the tokens of a name stay
 * strictly increasing when its item disappears (an operator's {@code DeleteItem}, TTL, the table
 * deleted and created again, a {@code fence} removed): a re-created item starts above every token
 * the old one gave out as long as the re-creating client's clock is not behind the clock that
 * created the old item by more than the old item's lifetime, less a microsecond per grant it saw.
 * Items written by earlier txlease versions, which started at 1, keep counting up from their token.
 * What this cannot protect against is a table <em>restored</em> from a backup or to a point in
 * time: its items carry the tokens of that moment, and tokens granted after it are granted again.
 * {@link #createTableIfMissing()} logs a WARNING for a restored table; delete its items (or create it
 * empty instead of restoring it): an empty table is safe.
 *
 * <h2>Failures</h2>
 *
 * <p>A failed condition is a result ({@link StoreResult#conflict}), never an exception. Every other
 * failure of the client becomes a {@link dev.txlease.LeaseStoreUnavailableException} (outcome
 * unknown) naming the lock, the operation and the table: SDK exceptions, an {@code
 * AbortedException} of an interrupted caller (whose interrupt flag is kept), and anything else a
 * client throws (embedded DynamoDB Local's own exceptions, a {@code NullPointerException} of the
 * JDK's {@code HttpURLConnection} after a long pause of the process). The SDK may retry a request
 * whose first attempt landed: a retried grant then comes back as a conflict whose record holds the
 * caller's owner and new version; the store returns it as is and leaves the interpretation to the
 * client. Arguments are checked before any request is sent.
 *
 * <p>The store uses the {@link DynamoDbClient} it is given, with its HTTP client. txlease depends
 * on the SDK's Apache HTTP client ({@code apache-client}): it pools connections (50 by default,
 * {@code maxConnections}), which many concurrent renewals need, while the JDK's {@code
 * HttpURLConnection} behind {@code url-connection-client} keeps only 5 idle connections per host
 * unless the process-wide {@code http.maxConnections} is raised, and has thrown raw {@code
 * NullPointerException}s after process pauses. The asynchronous clients (Netty, CRT) would not
 * help: the store's calls are synchronous.
 *
 * <p>{@link #storeId()} is the client's endpoint override and region plus the table name; two
 * accounts with the same table name in one region are not told apart.
 *
 * <p>Instances are immutable and thread-safe (the {@link DynamoDbClient} is); the store does not
 * close the client.
 */
public final class DynamoDbLeaseStore implements LeaseStore {
    /** The default table name. */
    public static final String DEFAULT_TABLE_NAME = "txlease_locks";

    /**
     * The name of the sparse global secondary index over the prepared-branch items (partition key
     * {@code preparedNode}, sort key {@code preparedTxid}, both strings, all attributes projected),
     * which {@link #createTableIfMissing()} creates and XA recovery queries.
     */
    public static final String PREPARED_INDEX = "txlease_prepared";

    /**
     * The most holders per lock name in each of the modes NL, CR, CW and PR (PW and EX have at most one
     * holder by the compatibility matrix): so at most 3 &times; 32 = 96 holders at once (NL, CR and
     * CW, or NL, CR and PR). Each is
     * at most about 0.9 KB (owner and node at most 128 UTF-8 bytes, data at most 256 bytes, a prepared
     * transaction id at most 320 characters), which keeps the item below DynamoDB's 400 KB even with
     * 32 NL holders beside an EX holder with the largest data ({@link
     * dev.txlease.AcquireOptions#MAX_DATA_BYTES}), and a grant that evicts every holder of the
     * incompatible modes within DynamoDB's 4 KB expression limit.
     */
    public static final int MAX_HOLDERS_PER_MODE = 32;

    private final DynamoDbClient client;
    private final String tableName;
    private final DynamoDbLeaseAttributes attributes;
    private final String storeId;
    private final LeaseItems items;
    private final HolderItems holders;
    private final PreparedBranchItems branches;
    private final StoreFailures failures;
    private final Duration releasedItemExpiry;

    private DynamoDbLeaseStore(Builder builder) {
        this.client = builder.client;
        this.tableName = builder.tableName;
        this.attributes = builder.attributes;
        this.storeId = describe(client, tableName);
        this.releasedItemExpiry = builder.releasedItemExpiry;
        this.items = new LeaseItems(tableName, attributes, builder.wallClock, releasedItemExpiry);
        this.holders = new HolderItems(items);
        this.branches = new PreparedBranchItems(tableName, attributes.partitionKey());
        this.failures = new StoreFailures(storeId, tableName);
    }

    /**
     * Returns a builder for a store that sends its requests through {@code client}.
     *
     * @param client the DynamoDB client, not closed by the store
     * @return the builder
     */
    public static Builder builder(DynamoDbClient client) {
        return new Builder(Objects.requireNonNull(client, "client must not be null"));
    }

    /** Returns the table name. */
    public String tableName() {
        return tableName;
    }

    /** Returns the attribute names. */
    public DynamoDbLeaseAttributes attributes() {
        return attributes;
    }

    /**
     * Creates the table (on-demand billing, string partition key, the sparse index {@value
     * #PREPARED_INDEX}) unless it exists, adds the index to an existing table that lacks it, and waits
     * until both are active. Safe to call from several processes at once.
     *
     * @throws dev.txlease.LeaseStoreUnavailableException if DynamoDB fails, or the existing table's
     *     key is not the configured partition key
     */
    public void createTableIfMissing() {
        new LeaseTables(client, tableName, attributes, releasedItemExpiry != null, failures).createIfMissing();
        new PreparedIndex(client, tableName, failures).addIfMissing();
    }

    @Override
    public StoreResult tryGrant(GrantRequest request) {
        StoreArguments.grant(request);
        return update("grant", request.name(), () -> items.grant(request));
    }

    @Override
    public StoreResult renew(
            String name, String owner, Collection<String> expectedVersions, String newVersion, Duration leaseDuration) {
        StoreArguments.held(name, owner);
        Set<String> versions = StoreArguments.versions(expectedVersions);
        StoreArguments.text("newVersion", newVersion);
        StoreArguments.duration(leaseDuration);
        return update("renew", name, () -> items.renew(name, owner, versions, newVersion, leaseDuration));
    }

    @Override
    public StoreResult release(String name, String owner, Collection<String> expectedVersions) {
        StoreArguments.held(name, owner);
        Set<String> versions = StoreArguments.versions(expectedVersions);
        return update("release", name, () -> items.release(name, owner, versions));
    }

    @Override
    public StoreResult prepare(
            String name,
            String owner,
            Collection<String> expectedVersions,
            String newVersion,
            Duration leaseDuration,
            String transactionId) {
        StoreArguments.held(name, owner);
        Set<String> versions = StoreArguments.versions(expectedVersions);
        StoreArguments.text("newVersion", newVersion);
        StoreArguments.duration(leaseDuration);
        StoreArguments.text("transactionId", transactionId);
        return update(
                "prepare", name, () -> items.prepare(name, owner, versions, newVersion, leaseDuration, transactionId));
    }

    @Override
    public StoreResult completeTransaction(String name, String transactionId, boolean release) {
        StoreArguments.name(name);
        StoreArguments.text("transactionId", transactionId);
        return update(
                "complete the transaction of", name, () -> items.completeTransaction(name, transactionId, release));
    }

    @Override
    public StoreResult renew(
            String name,
            HolderRef holder,
            String owner,
            Collection<String> expectedVersions,
            String newVersion,
            Duration leaseDuration) {
        if (holder.isExclusive()) {
            return renew(name, owner, expectedVersions, newVersion, leaseDuration);
        }
        StoreArguments.held(name, owner);
        Set<String> versions = StoreArguments.versions(expectedVersions);
        StoreArguments.text("newVersion", newVersion);
        StoreArguments.duration(leaseDuration);
        return update("renew", name, () -> holders.renew(name, holder, owner, versions, newVersion, leaseDuration));
    }

    @Override
    public StoreResult release(String name, HolderRef holder, String owner, Collection<String> expectedVersions) {
        if (holder.isExclusive()) {
            return release(name, owner, expectedVersions);
        }
        StoreArguments.held(name, owner);
        Set<String> versions = StoreArguments.versions(expectedVersions);
        return update("release", name, () -> holders.release(name, holder, owner, versions));
    }

    @Override
    public StoreResult prepare(
            String name,
            HolderRef holder,
            String owner,
            Collection<String> expectedVersions,
            String newVersion,
            Duration leaseDuration,
            String transactionId) {
        if (holder.isExclusive()) {
            return prepare(name, owner, expectedVersions, newVersion, leaseDuration, transactionId);
        }
        StoreArguments.held(name, owner);
        Set<String> versions = StoreArguments.versions(expectedVersions);
        StoreArguments.text("newVersion", newVersion);
        StoreArguments.duration(leaseDuration);
        StoreArguments.text("transactionId", transactionId);
        if (transactionId.length() > StoreArguments.MAX_SHARED_TRANSACTION_ID) {
            throw new IllegalArgumentException("transactionId of a lease in mode " + holder.mode() + " must be at most "
                    + StoreArguments.MAX_SHARED_TRANSACTION_ID + " characters, was " + transactionId.length()
                    + " for lock '" + name + "'");
        }
        return update(
                "prepare",
                name,
                () -> holders.prepare(name, holder, owner, versions, newVersion, leaseDuration, transactionId));
    }

    @Override
    public StoreResult completeTransaction(String name, HolderRef holder, String transactionId, boolean release) {
        if (holder.isExclusive()) {
            return completeTransaction(name, transactionId, release);
        }
        StoreArguments.name(name);
        StoreArguments.text("transactionId", transactionId);
        return update(
                "complete the transaction of",
                name,
                () -> holders.completeTransaction(name, holder, transactionId, release));
    }

    @Override
    public StoreResult markWaiting(String name, LeaseWaiter waiter, String replacesVersion) {
        StoreArguments.name(name);
        Objects.requireNonNull(waiter, "waiter must not be null");
        StoreArguments.bounded(name, waiter.mode(), "owner", waiter.owner());
        StoreArguments.duration(waiter.leaseDuration());
        return update("mark a waiter on", name, () -> holders.markWaiting(name, waiter, replacesVersion));
    }

    @Override
    public StoreResult unmarkWaiting(String name, String waiterId) {
        StoreArguments.name(name);
        HolderRef.checkId(waiterId);
        return update("remove the waiter marker of", name, () -> holders.unmarkWaiting(name, waiterId));
    }

    /** Returns {@link #MAX_HOLDERS_PER_MODE} for NL, CR, CW and PR, and 1 for PW and EX. */
    @Override
    public int holderLimit(LockMode mode) {
        return mode.isCompatibleWith(mode) ? MAX_HOLDERS_PER_MODE : 1;
    }

    @Override
    public Optional<LeaseRecord> read(String name) {
        StoreArguments.name(name);
        GetItemResponse response;
        try {
            response = client.getItem(items.read(name));
        } catch (RuntimeException e) {
            throw failures.unavailable("read", "GetItem", name, e);
        }
        return response.hasItem() && !response.item().isEmpty()
                ? Optional.of(items.toRecord(response.item()))
                : Optional.empty();
    }

    @Override
    public void savePrepared(PreparedBranch branch) {
        Objects.requireNonNull(branch, "branch must not be null");
        StoreArguments.text("node", branch.node());
        StoreArguments.text("transactionId", branch.transactionId());
        branch.lockNames().forEach(StoreArguments::name);
        try {
            client.putItem(branches.save(branch));
        } catch (RuntimeException e) {
            throw failures.unavailable(
                    "save prepared branch " + branch.transactionId() + " of node '" + branch.node() + "'",
                    "PutItem",
                    null,
                    e);
        }
    }

    @Override
    public List<PreparedBranch> findPrepared(String node) {
        StoreArguments.text("node", node);
        List<PreparedBranch> found = new ArrayList<>();
        Map<String, AttributeValue> startKey = null;
        do {
            QueryResponse page;
            try {
                page = client.query(branches.find(node, startKey));
            } catch (RuntimeException e) {
                throw failures.unavailable(
                        "find the prepared branches of node '" + node + "' (index " + PREPARED_INDEX
                                + "; createTableIfMissing adds it to an existing table)",
                        "Query",
                        null,
                        e);
            }
            page.items().forEach(item -> found.add(branches.toBranch(item)));
            startKey =
                    page.hasLastEvaluatedKey() && !page.lastEvaluatedKey().isEmpty() ? page.lastEvaluatedKey() : null;
        } while (startKey != null);
        return found;
    }

    @Override
    public void forgetPrepared(String node, String transactionId) {
        StoreArguments.text("node", node);
        StoreArguments.text("transactionId", transactionId);
        try {
            client.deleteItem(branches.forget(node, transactionId));
        } catch (RuntimeException e) {
            throw failures.unavailable(
                    "forget prepared branch " + transactionId + " of node '" + node + "'", "DeleteItem", null, e);
        }
    }

    @Override
    public String storeId() {
        return storeId;
    }

    @Override
    public String toString() {
        return "DynamoDbLeaseStore[" + storeId + "]";
    }

    private StoreResult update(String operation, String name, Supplier<UpdateItemRequest> request) {
        UpdateItemRequest built = request.get();
        UpdateItemResponse response;
        try {
            response = client.updateItem(built);
        } catch (ConditionalCheckFailedException e) {
            return StoreResult.conflict(e.hasItem() && !e.item().isEmpty() ? items.toRecord(e.item()) : null);
        } catch (RuntimeException e) {
            // Every other failure, SDK or not, leaves the outcome unknown (see StoreFailures).
            throw failures.unavailable(operation, "UpdateItem", name, e);
        }
        return StoreResult.success(items.toRecord(response.attributes()));
    }

    private static String describe(DynamoDbClient client, String tableName) {
        String where;
        try {
            DynamoDbServiceClientConfiguration configuration = client.serviceClientConfiguration();
            where = "endpoint="
                    + configuration.endpointOverride().map(Object::toString).orElse("default") + ", region="
                    + configuration.region();
        } catch (UnsupportedOperationException e) {
            where = "client=" + client.getClass().getName() + "@"
                    + Integer.toHexString(System.identityHashCode(client));
        }
        return "dynamodb[" + where + ", table=" + tableName + "]";
    }

    /** Builds a {@link DynamoDbLeaseStore}; not thread-safe. */
    public static final class Builder {
        private final DynamoDbClient client;
        private String tableName = DEFAULT_TABLE_NAME;
        private DynamoDbLeaseAttributes attributes = DynamoDbLeaseAttributes.defaults();
        private Clock wallClock = Clock.systemUTC();
        private Duration releasedItemExpiry;

        private Builder(DynamoDbClient client) {
            this.client = client;
        }

        /**
         * Sets the table name (default {@value DynamoDbLeaseStore#DEFAULT_TABLE_NAME}).
         *
         * @param tableName 3 to 255 characters: letters, digits, {@code _ - .}
         * @return this builder
         */
        public Builder tableName(String tableName) {
            Objects.requireNonNull(tableName, "tableName must not be null");
            if (!tableName.matches("[A-Za-z0-9_.-]{3,255}")) {
                throw new IllegalArgumentException("tableName must be 3 to 255 characters of letters, digits, '_',"
                        + " '-' and '.', was '" + tableName + "'");
            }
            this.tableName = tableName;
            return this;
        }

        /**
         * Sets the attribute names (default {@link DynamoDbLeaseAttributes#defaults()}).
         *
         * @param attributes the attribute names
         * @return this builder
         */
        public Builder attributes(DynamoDbLeaseAttributes attributes) {
            this.attributes = Objects.requireNonNull(attributes, "attributes must not be null");
            return this;
        }

        /**
         * Lets DynamoDB TTL delete items that stayed released for {@code expiry}: every release then
         * writes the {@link DynamoDbLeaseAttributes#expiresAt() expiresAt} attribute (epoch seconds,
         * the release time on the {@link #wallClock} plus {@code expiry}), every grant removes it, and
         * {@link DynamoDbLeaseStore#createTableIfMissing()} turns TTL on for that attribute. Off by
         * default: released items stay forever. Deletion is safe for fence tokens (see the class
         * Javadoc), but turn it on only once every client of the table runs a txlease version that
         * writes clock-based fence tokens.
         *
         * @param expiry at least one hour, at most 3,650 days
         * @return this builder
         */
        public Builder releasedItemExpiry(Duration expiry) {
            Objects.requireNonNull(expiry, "releasedItemExpiry must not be null");
            if (expiry.compareTo(Duration.ofHours(1)) < 0 || expiry.compareTo(Duration.ofDays(3650)) > 0) {
                throw new IllegalArgumentException(
                        "releasedItemExpiry must be between 1 hour and 3650 days, was " + expiry);
            }
            this.releasedItemExpiry = expiry;
            return this;
        }

        /**
         * Sets the wall clock (default {@link Clock#systemUTC()}) that dates the fence base of new
         * items and the expiry of released ones. It never decides who holds a lock.
         *
         * @param wallClock the clock
         * @return this builder
         */
        public Builder wallClock(Clock wallClock) {
            this.wallClock = Objects.requireNonNull(wallClock, "wallClock must not be null");
            return this;
        }

        /** Returns the store; sends no request. */
        public DynamoDbLeaseStore build() {
            return new DynamoDbLeaseStore(this);
        }
    }
}
