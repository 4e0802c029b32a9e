package dev.txlease.cli;

import dev.txlease.dynamodb.DynamoDbLeaseStore;
import java.io.PrintWriter;
import java.time.Duration;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.TimeToLiveDescription;
import software.amazon.awssdk.services.dynamodb.model.TimeToLiveStatus;

/**
 * {@code create-table}: creates the lease table and its recovery index unless they exist, waits
 * until both are active, and with {@code --released-item-expiry} turns DynamoDB TTL on for the
 * attribute the store stamps on release ({@link DynamoDbLeaseStore.Builder#releasedItemExpiry}).
 *
 * <p>Not thread-safe: one instance runs one command line.
 */
@Command(
        name = "create-table",
        mixinStandardHelpOptions = true,
        description = {
            "Creates the lease table (on-demand billing, string partition key) unless it exists, and waits"
                    + " until it is ACTIVE. An existing table's key is checked.",
            "Adds the recovery index of prepared branches (" + DynamoDbLeaseStore.PREPARED_INDEX
                    + ") to a table that lacks it."
        })
final class CreateTableCommand extends StoreCommand {
    @Option(
            names = "--released-item-expiry",
            paramLabel = "DURATION",
            description = "Turns DynamoDB TTL on for the expiry attribute that clients write on release, so that"
                    + " items released for that long are deleted (ISO-8601, 1 hour to 3650 days, e.g. PT24H)."
                    + " Configure the clients with the same DynamoDbLeaseStore.Builder.releasedItemExpiry.")
    Duration releasedItemExpiry;

    @Option(names = "--json", description = "Print a JSON object.")
    boolean json;

    @Override
    void configure(DynamoDbLeaseStore.Builder builder) {
        if (releasedItemExpiry == null) {
            return;
        }
        try {
            builder.releasedItemExpiry(releasedItemExpiry);
        } catch (IllegalArgumentException e) {
            throw new CommandFailure(
                    TxleaseCli.USAGE,
                    "--released-item-expiry " + releasedItemExpiry + " is refused: " + e.getMessage(),
                    e);
        }
    }

    @Override
    int run(DynamoDbClient client, DynamoDbLeaseStore store) {
        store.createTableIfMissing();
        TimeToLiveDescription ttl;
        try {
            ttl = client.describeTimeToLive(request -> request.tableName(store.tableName()))
                    .timeToLiveDescription();
        } catch (SdkException e) {
            throw storeOptions.unavailable("DescribeTimeToLive", e);
        }
        TimeToLiveStatus status = ttl == null ? TimeToLiveStatus.DISABLED : ttl.timeToLiveStatus();
        String attribute = status == TimeToLiveStatus.DISABLED ? null : ttl.attributeName();
        PrintWriter out = out();
        if (json) {
            out.println("{\"table\":" + LeaseOutput.quote(store.tableName()) + ",\"status\":\"ACTIVE\""
                    + ",\"partitionKey\":"
                    + LeaseOutput.quote(store.attributes().partitionKey())
                    + ",\"preparedIndex\":" + LeaseOutput.quote(DynamoDbLeaseStore.PREPARED_INDEX)
                    + ",\"timeToLive\":" + LeaseOutput.quote(String.valueOf(status))
                    + ",\"timeToLiveAttribute\":" + LeaseOutput.quote(attribute)
                    + ",\"releasedItemExpiry\":"
                    + LeaseOutput.quote(releasedItemExpiry == null ? null : releasedItemExpiry.toString()) + "}");
            return TxleaseCli.OK;
        }
        out.println("Table '" + store.tableName() + "' is ACTIVE with partition key '"
                + store.attributes().partitionKey() + "' (" + store.storeId() + ").");
        out.println("Recovery index '" + DynamoDbLeaseStore.PREPARED_INDEX + "' is ACTIVE.");
        if (attribute == null) {
            out.println("Time to live: " + status + ": released items stay (--released-item-expiry lets DynamoDB"
                    + " delete them).");
        } else if (releasedItemExpiry != null) {
            out.println("Time to live: " + status + " on attribute '" + attribute + "': DynamoDB deletes a lock's"
                    + " item once it has been released for " + releasedItemExpiry + " (typically within days after"
                    + " that); a later grant starts a new item above every earlier token.");
        } else {
            out.println("Time to live: " + status + " on attribute '" + attribute + "'.");
        }
        return TxleaseCli.OK;
    }
}
