package dev.txlease.cli;

import dev.txlease.dynamodb.DynamoDbLeaseStore;
import dev.txlease.spi.PreparedBranch;
import java.io.PrintWriter;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * {@code prepared --node N}: the prepared (in-doubt) transaction branches of a node, as its XA
 * recovery finds them ({@link DynamoDbLeaseStore#findPrepared}, through the recovery index).
 *
 * <p>Not thread-safe: one instance runs one command line.
 */
@Command(
        name = "prepared",
        mixinStandardHelpOptions = true,
        description = "Lists the prepared (in-doubt) transaction branches of a node, with their locks, as the"
                + " node's XA recovery finds them.")
final class PreparedCommand extends StoreCommand {
    private static final String ROW = "%-40s %-16s %s%n";

    @Option(names = "--node", required = true, paramLabel = "NODE", description = "The node name of the holder.")
    String node;

    @Option(names = "--json", description = "Print a JSON array.")
    boolean json;

    @Override
    int run(DynamoDbClient client, DynamoDbLeaseStore store) {
        List<PreparedBranch> branches = store.findPrepared(node);
        PrintWriter out = out();
        if (json) {
            out.print("[");
            for (int i = 0; i < branches.size(); i++) {
                PreparedBranch branch = branches.get(i);
                out.print((i == 0 ? "" : ",") + "{\"node\":" + LeaseOutput.quote(branch.node()) + ",\"preparedXid\":"
                        + LeaseOutput.quote(branch.transactionId()) + ",\"locks\":" + names(branch.lockNames())
                        + ",\"keptLocks\":"
                        + names(branch.lockNames().stream()
                                .filter(name -> !branch.releases(name))
                                .toList())
                        + "}");
            }
            out.println("]");
            return TxleaseCli.OK;
        }
        out.printf(ROW, "PREPARED XID", "NODE", "LOCKS (kept: *)");
        for (PreparedBranch branch : branches) {
            List<String> locks = branch.lockNames().stream()
                    .map(name -> branch.releases(name) ? name : name + "*")
                    .toList();
            out.printf(ROW, branch.transactionId(), branch.node(), String.join(",", locks));
        }
        return TxleaseCli.OK;
    }

    private static String names(List<String> names) {
        return names.stream().map(LeaseOutput::quote).toList().toString().replace(" ", "");
    }
}
