package dev.txlease.cli;

import dev.txlease.dynamodb.DynamoDbLeaseStore;
import picocli.CommandLine.Command;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * {@code create-table}: creates the lease table and its recovery index unless they exist, and waits
 * until both are active.
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
    @Override
    int run(DynamoDbClient client, DynamoDbLeaseStore store) {
        store.createTableIfMissing();
        out().println("Table '" + store.tableName() + "' is ACTIVE with partition key '"
                + store.attributes().partitionKey() + "' (" + store.storeId() + ").");
        out().println("Recovery index '" + DynamoDbLeaseStore.PREPARED_INDEX + "' is ACTIVE.");
        return TxleaseCli.OK;
    }
}
