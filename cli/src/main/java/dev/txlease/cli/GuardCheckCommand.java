package dev.txlease.cli;

import dev.txlease.cli.GuardReport.Row;
import dev.txlease.dynamodb.DynamoDbLeaseAttributes;
import dev.txlease.dynamodb.DynamoDbLeaseStore;
import dev.txlease.jdbc.GuardTable;
import dev.txlease.jdbc.internal.GuardTableAudit;
import dev.txlease.jdbc.internal.GuardTableAudit.Contents;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * {@code guard check}: checks a database's guard table as a fenced data source does (it exists,
 * {@code name} is its primary key, it has a {@code token} column, on MariaDB/MySQL the InnoDB engine
 * and a byte-exact name), then compares the highest token of each of its rows, over the token
 * columns of every lock mode ({@code token} for EX, {@code cr_token} ... {@code pw_token}), with the
 * fence of that lock in the lease table. A guard table without the mode columns (created before lock
 * modes) fences EX holders only: a warning that names the {@code ALTER TABLE} to run, exit code 0.
 *
 * <p>A guard token can only come from a grant of the lease table, and a lock's fence never goes
 * back, so a guard token above the fence means the lease table went back (restored from a backup,
 * re-created from old data) or another lease table writes to this guard table: tokens are being
 * granted again. Exit code {@link TxleaseCli#FENCE_WENT_BACK}. Names without an item in the lease
 * table are reported and pass: a new item starts above every earlier token.
 *
 * <p>Not thread-safe: one instance runs one command line.
 */
@Command(
        name = "check",
        mixinStandardHelpOptions = true,
        description = {
            "Checks the guard table of a fenced database: it exists, 'name' is its primary key, it has a"
                    + " 'token' column and, on MariaDB/MySQL, the InnoDB engine and a byte-exact name.",
            "Then compares each guard row's highest token over its lock mode columns (token for EX, cr_token,"
                    + " cw_token, pr_token, pw_token) with the lock's fence in the lease table: a guard token above"
                    + " the fence means the lease table went back (restored or re-created) and fails with exit"
                    + " code 5. Names absent from the lease table are reported.",
            "A guard table without the mode columns fences EX holders only: a warning with the ALTER TABLE"
                    + " that adds them (exit code 0)."
        })
final class GuardCheckCommand extends StoreCommand {
    @Mixin
    JdbcOptions jdbc;

    @Option(
            names = "--guard-table",
            paramLabel = "NAME",
            defaultValue = GuardTable.DEFAULT_NAME,
            description = "Guard table, optionally schema-qualified (default ${DEFAULT-VALUE}).")
    String guardTable;

    @Option(names = "--json", description = "Print a JSON object.")
    boolean json;

    @Override
    int run(DynamoDbClient client, DynamoDbLeaseStore store) {
        GuardTable table = GuardTable.named(guardTable);
        // Ordering: the guard table is read before the lease table. Every token read was granted by
        // the lease table before it was read, and a fence only grows, so the fences read afterwards
        // are at least those tokens unless the lease table went back: no false alarm from grants
        // and fenced writes that run meanwhile.
        Contents contents = readGuardTable(table);
        Map<String, Long> fences = fences(client, store);
        List<Row> rows = new ArrayList<>();
        contents.tokens()
                .forEach((name, token) ->
                        rows.add(Row.of(name, token, contents.modes().get(name), fences.get(name))));
        GuardReport report = new GuardReport(table.name(), contents, store.tableName(), rows);
        if (json) {
            out().println(report.json());
        } else {
            report.printText(out());
        }
        if (report.fenceWentBack().isEmpty()) {
            return TxleaseCli.OK;
        }
        err().println("error: " + report.fenceWentBackMessage());
        return TxleaseCli.FENCE_WENT_BACK;
    }

    private Contents readGuardTable(GuardTable table) {
        try (Connection connection = jdbc.connect()) {
            connection.setReadOnly(true);
            return GuardTableAudit.read(connection, table);
        } catch (SQLFeatureNotSupportedException e) {
            throw new CommandFailure(TxleaseCli.USAGE, e.getMessage() + " (" + jdbc.where() + ")", e);
        } catch (SQLException e) {
            if (GuardTableAudit.isUnfitTable(e)) {
                throw new CommandFailure(
                        TxleaseCli.GUARD_UNFIT, "guard table " + table + " cannot fence: " + e.getMessage(), e);
            }
            throw new CommandFailure(
                    TxleaseCli.STORE_FAILED,
                    "reading guard table " + table + " at " + jdbc.where() + " failed: " + e.getMessage()
                            + " (SQLState " + e.getSQLState() + ")",
                    e);
        }
    }

    /** The fence of every lock item (prepared-branch items have none). */
    private Map<String, Long> fences(DynamoDbClient client, DynamoDbLeaseStore store) {
        DynamoDbLeaseAttributes attributes = store.attributes();
        Map<String, Long> fences = new HashMap<>();
        LeaseTableScan.scan(
                client,
                storeOptions,
                request -> request.projectionExpression("#name, #fence")
                        .filterExpression("attribute_exists(#fence)")
                        .expressionAttributeNames(
                                Map.of("#name", attributes.partitionKey(), "#fence", attributes.fence())),
                item -> fences.put(
                        item.get(attributes.partitionKey()).s(),
                        Long.parseLong(item.get(attributes.fence()).n())));
        return fences;
    }
}
