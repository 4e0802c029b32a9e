package dev.txlease.cli;

import dev.txlease.dynamodb.DynamoDbLeaseStore;
import dev.txlease.spi.LeaseRecord;
import dev.txlease.spi.StoreResult;
import java.util.List;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * {@code release NAME --owner OWNER --force}: releases a lease on behalf of its holder, through the
 * store's conditional release at the version just read, so a lease that changed in between (renewed,
 * released, taken over) is left alone. The fence counter stays: the next grant's token is larger
 * than the released holder's, so fenced storage rejects that holder's late writes.
 *
 * <p>Not thread-safe: one instance runs one command line.
 */
@Command(
        name = "release",
        mixinStandardHelpOptions = true,
        description = {
            "Forces the release of a lease held by OWNER. The holder is not told: it may still be working, so"
                    + " release only a holder known to be dead or whose writes are fenced.",
            "The fence counter stays: the next grant carries a larger token."
        })
final class ReleaseCommand extends StoreCommand {
    @Parameters(paramLabel = "NAME", description = "The lock name.")
    String name;

    @Option(names = "--owner", required = true, paramLabel = "OWNER", description = "The holder, as 'list' shows it.")
    String owner;

    @Option(names = "--force", description = "Required: confirms that the holder may lose its lease.")
    boolean force;

    @Option(names = "--json", description = "Print a JSON object.")
    boolean json;

    @Override
    int run(DynamoDbClient client, DynamoDbLeaseStore store) {
        if (!force) {
            err().println("error: refusing to release lock '" + name + "' without --force: its holder '" + owner
                    + "' is not told and may still be writing. Writes it fences with its token are rejected once"
                    + " the lock is granted again; unfenced writes are not. Add --force to release.");
            return TxleaseCli.USAGE;
        }
        Optional<LeaseRecord> found = store.read(name);
        if (found.isEmpty()) {
            err().println("error: no lock named '" + name + "' in table '" + store.tableName() + "'");
            return TxleaseCli.NOT_HELD;
        }
        LeaseRecord record = found.get();
        if (record.released() || !owner.equals(record.owner())) {
            err().println("error: lock '" + name + "' is "
                    + (record.released() ? "not held" : "held by '" + record.owner() + "'") + ", not by '" + owner
                    + "'; nothing released");
            return TxleaseCli.NOT_HELD;
        }
        StoreResult result = store.release(name, owner, List.of(record.version()));
        if (!result.succeeded()) {
            err().println("error: lock '" + name + "' changed while releasing (now " + result.record()
                    + "); nothing released: run 'inspect' and try again");
            return TxleaseCli.NOT_HELD;
        }
        if (json) {
            out().println("{\"name\":" + LeaseOutput.quote(name) + ",\"owner\":" + LeaseOutput.quote(owner)
                    + ",\"node\":" + LeaseOutput.quote(record.node()) + ",\"released\":true,\"fence\":"
                    + record.fence() + ",\"nextFenceAtLeast\":" + (record.fence() + 1) + ",\"preparedXid\":"
                    + LeaseOutput.quote(record.transactionId()) + "}");
            return TxleaseCli.OK;
        }
        out().println("Released lock '" + name + "' held by '" + owner + "' with fence token " + record.fence() + ".");
        out().println("The fence counter stays at " + record.fence() + ": the next grant carries token "
                + (record.fence() + 1) + " or larger, so fenced writes with token " + record.fence()
                + " or older are rejected from then on.");
        if (record.transactionId() != null) {
            out().println("The lease carried prepared transaction branch " + record.transactionId() + " of node '"
                    + record.node() + "': the branch stays listed by 'prepared --node " + record.node()
                    + "' until its transaction manager completes it.");
        }
        return TxleaseCli.OK;
    }
}
