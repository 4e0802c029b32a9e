package dev.txlease.cli;

import dev.txlease.dynamodb.DynamoDbLeaseStore;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * {@code prepared --node N}: the leases of a node that carry a prepared (in-doubt) transaction
 * branch, as XA recovery finds them.
 *
 * <p>Not thread-safe: one instance runs one command line.
 */
@Command(
        name = "prepared",
        mixinStandardHelpOptions = true,
        description = "Lists the leases of a node that carry a prepared (in-doubt) transaction branch, as the"
                + " node's XA recovery finds them. Scans the whole table.")
final class PreparedCommand extends StoreCommand {
    @Option(names = "--node", required = true, paramLabel = "NODE", description = "The node name of the holder.")
    String node;

    @Option(names = "--json", description = "Print a JSON array.")
    boolean json;

    @Override
    int run(DynamoDbClient client, DynamoDbLeaseStore store) {
        LeaseOutput.table(out(), store.findPrepared(node), json);
        return TxleaseCli.OK;
    }
}
