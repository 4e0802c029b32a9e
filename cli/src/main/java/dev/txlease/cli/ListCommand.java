package dev.txlease.cli;

import dev.txlease.LockMode;
import dev.txlease.dynamodb.DynamoDbLeaseAttributes;
import dev.txlease.dynamodb.DynamoDbLeaseStore;
import dev.txlease.spi.LeaseRecord;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * {@code list}: the locks in use: every holder, in any lock mode, and the waiter marker. A
 * consistent, paginated {@code Scan} ({@link LeaseTableScan}) of the lock names that have an EX
 * holder, a holder in another mode or a waiter marker, then a consistent read of each through the
 * store (a lock released in between is left out).
 *
 * <p>Not thread-safe: one instance runs one command line.
 */
@Command(
        name = "list",
        mixinStandardHelpOptions = true,
        description = "Lists every holder of every lock, in any lock mode (name, mode, owner, node, holder id,"
                + " its fence token, lease duration, prepared Xid), and the waiting request that others must"
                + " not overtake (waiter marker). Scans the whole table.")
final class ListCommand extends StoreCommand {
    @Option(names = "--json", description = "Print a JSON array.")
    boolean json;

    @Override
    int run(DynamoDbClient client, DynamoDbLeaseStore store) {
        List<LeaseRecord> inUse = new ArrayList<>();
        for (String name : namesInUse(client, store)) {
            store.read(name).filter(LeaseOutput::isInUse).ifPresent(inUse::add);
        }
        inUse.sort(Comparator.comparing(LeaseRecord::name));
        LeaseOutput.table(out(), inUse, json);
        return TxleaseCli.OK;
    }

    /**
     * The names with an EX holder, a holder in another mode (its mode's counter {@code <prefix><MODE>}
     * above zero) or a waiter marker.
     */
    private List<String> namesInUse(DynamoDbClient client, DynamoDbLeaseStore store) {
        DynamoDbLeaseAttributes attributes = store.attributes();
        Map<String, String> names = new HashMap<>(Map.of(
                "#name", attributes.partitionKey(),
                "#owner", attributes.owner(),
                "#released", attributes.released(),
                "#waiter", attributes.waiter()));
        StringBuilder filter =
                new StringBuilder("(attribute_exists(#owner) AND #released = :false) OR attribute_exists(#waiter)");
        for (LockMode mode : LockMode.values()) {
            if (mode != LockMode.EX) {
                names.put("#" + mode, attributes.holderPrefix() + mode);
                filter.append(" OR #").append(mode).append(" > :zero");
            }
        }
        List<String> found = new ArrayList<>();
        LeaseTableScan.scan(
                client,
                storeOptions,
                request -> request.projectionExpression("#name")
                        .filterExpression(filter.toString())
                        .expressionAttributeNames(names)
                        .expressionAttributeValues(Map.of(
                                ":false", AttributeValue.fromBool(false),
                                ":zero", AttributeValue.fromN("0"))),
                item -> found.add(item.get(attributes.partitionKey()).s()));
        return found;
    }
}
