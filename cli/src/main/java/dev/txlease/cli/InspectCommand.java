package dev.txlease.cli;

import dev.txlease.dynamodb.DynamoDbLeaseStore;
import dev.txlease.spi.LeaseRecord;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * {@code inspect NAME}: everything the table holds for one lock, from a consistent read: every
 * holder in any lock mode and the waiter marker.
 *
 * <p>Not thread-safe: one instance runs one command line.
 */
@Command(
        name = "inspect",
        mixinStandardHelpOptions = true,
        description = "Shows one lock: state, fence counter, waiter marker, and every holder in any lock mode (mode,"
                + " owner, node, holder id, its fence token, lease duration, version, prepared Xid, data size).")
final class InspectCommand extends StoreCommand {
    @Parameters(paramLabel = "NAME", description = "The lock name.")
    String name;

    @Option(names = "--json", description = "Print a JSON object.")
    boolean json;

    @Override
    int run(DynamoDbClient client, DynamoDbLeaseStore store) {
        Optional<LeaseRecord> record = store.read(name);
        if (record.isEmpty()) {
            err().println("error: no lock named '" + name + "' in table '" + store.tableName()
                    + "' (never granted); check the name and --table");
            return TxleaseCli.NOT_HELD;
        }
        LeaseOutput.detail(out(), record.get(), json);
        return TxleaseCli.OK;
    }
}
