package dev.txlease.cli;

import dev.txlease.LockMode;
import dev.txlease.dynamodb.DynamoDbLeaseStore;
import dev.txlease.spi.HolderRef;
import dev.txlease.spi.LeaseHolder;
import dev.txlease.spi.LeaseRecord;
import dev.txlease.spi.StoreResult;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.StringJoiner;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * {@code release NAME --owner OWNER --force [--mode MODE] [--holder ID] [--all]}: releases holders of
 * a lock on behalf of their owner, in any lock mode. It reads the lock, selects the holders of {@code
 * OWNER} (narrowed by {@code --mode} and {@code --holder}), refuses a selection of several holders
 * without {@code --all}, and releases each through the store's conditional release of that holder at
 * the version just read ({@link dev.txlease.spi.LeaseStore#release(String, HolderRef, String,
 * java.util.Collection)}), so a holder that changed in between (renewed, released, evicted) is left
 * alone. The fence counter stays: the next grant's token is larger than every released holder's, so
 * fenced storage rejects their late writes once an incompatible holder has written.
 *
 * <p>Not thread-safe: one instance runs one command line.
 */
@Command(
        name = "release",
        mixinStandardHelpOptions = true,
        description = {
            "Forces the release of the holder(s) of a lock owned by OWNER, in any lock mode. The holder is not told:"
                    + " it may still be working, so release only a holder known to be dead or whose writes are fenced.",
            "OWNER may hold a lock several times (in compatible modes): pick one with --mode and --holder (as"
                    + " 'list' shows them), or release them all with --all. Several matches without --all are refused.",
            "The fence counter stays: the next grant carries a larger token."
        })
final class ReleaseCommand extends StoreCommand {
    @Parameters(paramLabel = "NAME", description = "The lock name.")
    String name;

    @Option(names = "--owner", required = true, paramLabel = "OWNER", description = "The holder, as 'list' shows it.")
    String owner;

    @Option(names = "--force", description = "Required: confirms that the holder may lose its lease.")
    boolean force;

    @Option(
            names = "--mode",
            paramLabel = "MODE",
            description = "Only the holder(s) in this lock mode: ${COMPLETION-CANDIDATES}.")
    LockMode mode;

    @Option(
            names = "--holder",
            paramLabel = "ID",
            description = "Only the holder with this holder id, as 'list' shows it (modes other than EX).")
    String holderId;

    @Option(names = "--all", description = "Release every selected holder of OWNER, not only a single one.")
    boolean all;

    @Option(names = "--json", description = "Print a JSON object.")
    boolean json;

    /** One selected holder and whether its release succeeded. */
    private record Outcome(LeaseHolder holder, boolean released) {}

    @Override
    int run(DynamoDbClient client, DynamoDbLeaseStore store) {
        if (!force) {
            err().println("error: refusing to release lock '" + name + "' without --force: its holder '" + owner
                    + "' is not told and may still be writing. Writes it fences with its token are rejected once"
                    + " the lock is granted again; unfenced writes are not. Add --force to release.");
            return TxleaseCli.USAGE;
        }
        checkSelection();
        Optional<LeaseRecord> found = store.read(name);
        if (found.isEmpty()) {
            err().println("error: no lock named '" + name + "' in table '" + store.tableName() + "'");
            return TxleaseCli.NOT_HELD;
        }
        LeaseRecord record = found.get();
        List<LeaseHolder> selected = select(record);
        if (selected.isEmpty()) {
            err().println("error: lock '" + name + "' has no holder of '" + owner + "'" + narrowing() + "; it holds: "
                    + describe(LeaseOutput.holders(record), true) + "; nothing released");
            return TxleaseCli.NOT_HELD;
        }
        if (selected.size() > 1 && !all) {
            err().println("error: '" + owner + "' holds lock '" + name + "' " + selected.size() + " times"
                    + (mode == null ? "" : " in mode " + mode) + " (" + describe(selected, false)
                    + "): nothing released. Add --mode and --holder to release one, or --all to release them all.");
            return TxleaseCli.USAGE;
        }
        List<Outcome> outcomes = new ArrayList<>();
        for (LeaseHolder holder : selected) {
            StoreResult result = store.release(name, holder.ref(), owner, List.of(holder.version()));
            outcomes.add(new Outcome(holder, result.succeeded()));
            if (!result.succeeded()) {
                err().println("error: the " + label(holder) + " of lock '" + name + "' changed while releasing (now "
                        + result.record() + "); not released: run 'inspect' and try again");
            }
        }
        if (json) {
            out().println(json(outcomes, record.fence()));
        } else {
            printText(outcomes, record);
        }
        return outcomes.stream().allMatch(Outcome::released) ? TxleaseCli.OK : TxleaseCli.NOT_HELD;
    }

    private void checkSelection() {
        if (holderId == null) {
            return;
        }
        if (mode == LockMode.EX) {
            throw new CommandFailure(
                    TxleaseCli.USAGE,
                    "--mode EX with --holder " + holderId + ": an EX holder has no holder id (a lock has at most"
                            + " one); drop --holder to release the EX holder",
                    null);
        }
        try {
            HolderRef.checkId(holderId);
        } catch (IllegalArgumentException e) {
            throw new CommandFailure(TxleaseCli.USAGE, "--holder: " + e.getMessage(), e);
        }
    }

    private List<LeaseHolder> select(LeaseRecord record) {
        return LeaseOutput.holders(record).stream()
                .filter(holder -> owner.equals(holder.owner()))
                .filter(holder -> mode == null || holder.mode() == mode)
                .filter(holder ->
                        holderId == null || holderId.equals(holder.ref().holderId()))
                .toList();
    }

    private String narrowing() {
        return (mode == null ? "" : " in mode " + mode) + (holderId == null ? "" : " with holder id " + holderId);
    }

    private static String describe(List<LeaseHolder> holders, boolean withOwner) {
        if (holders.isEmpty()) {
            return "no holder";
        }
        StringJoiner described = new StringJoiner(", ");
        for (LeaseHolder holder : holders) {
            String id = holder.ref().holderId();
            described.add(
                    holder.mode() + (id == null ? "" : " " + id) + (withOwner ? " (" + holder.owner() + ")" : ""));
        }
        return described.toString();
    }

    private static String label(LeaseHolder holder) {
        String id = holder.ref().holderId();
        return holder.mode() + " holder" + (id == null ? "" : " " + id);
    }

    private void printText(List<Outcome> outcomes, LeaseRecord record) {
        long fence = record.fence();
        for (Outcome outcome : outcomes) {
            if (!outcome.released()) {
                continue;
            }
            LeaseHolder holder = outcome.holder();
            out().println("Released " + label(holder) + " of lock '" + name + "' held by '" + owner + "' (node '"
                    + holder.node() + "') with fence token " + LeaseOutput.fence(record, holder) + ".");
            if (holder.transactionId() != null) {
                out().println("It carried prepared transaction branch " + holder.transactionId() + " of node '"
                        + holder.node() + "': the branch stays listed by 'prepared --node " + holder.node()
                        + "' until its transaction manager completes it.");
            }
        }
        if (outcomes.stream().anyMatch(Outcome::released)) {
            out().println("The fence counter stays at " + fence + ": the next grant carries token " + (fence + 1)
                    + " or larger, so once a holder in a mode incompatible with a released holder's has written,"
                    + " that released holder's fenced writes are rejected; unfenced writes are not protected.");
        }
    }

    private String json(List<Outcome> outcomes, long fence) {
        StringJoiner holders = new StringJoiner(",", "[", "]");
        for (Outcome outcome : outcomes) {
            LeaseHolder holder = outcome.holder();
            holders.add("{\"mode\":\"" + holder.mode() + "\",\"holderId\":"
                    + LeaseOutput.quote(holder.ref().holderId()) + ",\"node\":" + LeaseOutput.quote(holder.node())
                    + ",\"fence\":" + holder.fence() + ",\"preparedXid\":"
                    + LeaseOutput.quote(holder.transactionId()) + ",\"released\":" + outcome.released() + "}");
        }
        return "{\"name\":" + LeaseOutput.quote(name) + ",\"owner\":" + LeaseOutput.quote(owner) + ",\"released\":"
                + outcomes.stream().allMatch(Outcome::released) + ",\"holders\":" + holders + ",\"fence\":" + fence
                + ",\"nextFenceAtLeast\":" + (fence + 1) + "}";
    }
}
