package dev.txlease.cli;

import dev.txlease.dynamodb.DynamoDbLeaseAttributes;
import dev.txlease.dynamodb.DynamoDbLeaseStore;
import dev.txlease.spi.LeaseRecord;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * {@code list}: the held leases of the table. A consistent, paginated {@code Scan} ({@link
 * LeaseTableScan}) of the lock names that have an owner and are not released, then a consistent
 * read of each through the store (a lock released in between is left out).
 *
 * <p>Not thread-safe: one instance runs one command line.
 */
@Command(
        name = "list",
        mixinStandardHelpOptions = true,
        description = "Lists the held leases: name, owner, node, fence token, lease duration, prepared Xid."
                + " Scans the whole table.")
final class ListCommand extends StoreCommand {
    @Option(names = "--json", description = "Print a JSON array.")
    boolean json;

    @Override
    int run(DynamoDbClient client, DynamoDbLeaseStore store) {
        List<LeaseRecord> held = new ArrayList<>();
        for (String name : heldNames(client, store)) {
            store.read(name).filter(record -> !record.released()).ifPresent(held::add);
        }
        held.sort(Comparator.comparing(LeaseRecord::name));
        LeaseOutput.table(out(), held, json);
        return TxleaseCli.OK;
    }

    private List<String> heldNames(DynamoDbClient client, DynamoDbLeaseStore store) {
        DynamoDbLeaseAttributes attributes = store.attributes();
        List<String> names = new ArrayList<>();
        LeaseTableScan.scan(
                client,
                storeOptions,
                request -> request.projectionExpression("#name")
                        .filterExpression("attribute_exists(#owner) AND #released = :false")
                        .expressionAttributeNames(Map.of(
                                "#name", attributes.partitionKey(),
                                "#owner", attributes.owner(),
                                "#released", attributes.released()))
                        .expressionAttributeValues(Map.of(
                                ":false", AttributeValue.builder().bool(false).build())),
                item -> names.add(item.get(attributes.partitionKey()).s()));
        return names;
    }
}
