package dev.txlease.cli;

import dev.txlease.LockMode;
import dev.txlease.jdbc.GuardDialect;
import dev.txlease.jdbc.internal.GuardColumns;
import dev.txlease.jdbc.internal.GuardTableAudit.Contents;
import java.io.PrintWriter;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The outcome of {@code guard check}: each guard row (its highest token over every mode column) with
 * the lock's fence in the lease table, and the mode columns the guard table lacks, as text or JSON
 * (field names as in the README).
 *
 * <p>Immutable and thread-safe.
 */
record GuardReport(String guardTable, Contents contents, String leaseTable, List<Row> rows) {
    private static final String ROW = "%-30s %20s %20s  %-15s  %s%n";
    private static final int NAMES_SHOWN = 10;

    GuardReport {
        rows = List.copyOf(rows);
    }

    /** How a guard row compares with the lease table. */
    enum Status {
        /** The guard token is at most the lock's fence. */
        OK("ok"),
        /** The lease table has no item of that name. */
        ABSENT("absent"),
        /** The guard token is above the lock's fence: the lease table went back. */
        FENCE_WENT_BACK("FENCE-WENT-BACK");

        private final String text;

        Status(String text) {
            this.text = text;
        }
    }

    /**
     * One guard row: its highest token over every mode column and that column's mode; {@code
     * leaseFence} is {@code null} when the lease table has no such item.
     */
    record Row(String name, long guardToken, LockMode guardMode, Long leaseFence, Status status) {
        static Row of(String name, long guardToken, LockMode guardMode, Long leaseFence) {
            Status status =
                    leaseFence == null ? Status.ABSENT : guardToken > leaseFence ? Status.FENCE_WENT_BACK : Status.OK;
            return new Row(name, guardToken, guardMode, leaseFence, status);
        }
    }

    /** The statement that adds the missing mode columns, or {@code null} if none is missing. */
    String addModeColumnsSql() {
        List<String> missing = contents.missingModeColumns();
        return missing.isEmpty() ? null : GuardColumns.addColumnsSql(contents.dialect(), guardTable, missing);
    }

    List<Row> fenceWentBack() {
        return rows.stream()
                .filter(row -> row.status() == Status.FENCE_WENT_BACK)
                .toList();
    }

    private long count(Status status) {
        return rows.stream().filter(row -> row.status() == status).count();
    }

    void printText(PrintWriter out) {
        out.println("Guard table " + guardTable + " (" + contents.resolvedTable() + " on " + contents.dialect()
                + ") can fence: primary key (name), a token column"
                + (contents.dialect() == GuardDialect.MARIADB
                        ? ", the InnoDB engine and a byte-exact name column."
                        : "."));
        if (!contents.missingModeColumns().isEmpty()) {
            out.println("Warning: guard table " + guardTable + " has no columns for the lock modes other than EX ("
                    + String.join(", ", contents.missingModeColumns()) + "): EX only. " + addModeColumnsSql()
                    + " to use other modes; until then a fenced data source rejects the statements of leases"
                    + " in other modes (SQLState 42S22).");
        }
        out.printf(ROW, "NAME", "GUARD-TOKEN", "LEASE-FENCE", "STATUS", "GUARD-MODE");
        for (Row row : rows) {
            out.printf(
                    ROW,
                    row.name(),
                    row.guardToken(),
                    row.leaseFence() == null ? "-" : row.leaseFence(),
                    row.status().text,
                    row.guardMode());
        }
        long absent = count(Status.ABSENT);
        out.println(rows.size() + " guard rows: " + count(Status.OK) + " ok, " + absent + " absent from lease table '"
                + leaseTable + "', " + count(Status.FENCE_WENT_BACK) + " with a guard token above the lease fence.");
        if (absent > 0) {
            out.println("Absent: the lease table has no item of that name (never granted through it, or deleted,"
                    + " e.g. by TTL after release). A new item starts above every earlier token, so these pass;"
                    + " if most rows are absent, check --table.");
        }
    }

    /** What to tell the operator when a guard token is above the lease table's fence. */
    String fenceWentBackMessage() {
        List<Row> behind = fenceWentBack();
        String names = behind.stream().limit(NAMES_SHOWN).map(Row::name).collect(Collectors.joining(", "))
                + (behind.size() > NAMES_SHOWN ? ", ..." : "");
        return "FENCE WENT BACK for " + behind.size() + (behind.size() == 1 ? " lock (" : " locks (") + names
                + "): the guard table has seen a larger token than lease table '" + leaseTable + "' now holds."
                + " The lease table was restored from a backup or re-created from old data, or the locks of"
                + " another lease table write to guard table " + guardTable + ". Until a lock's fence passes its"
                + " guard token, its holders get tokens that were granted before: their fenced writes are rejected"
                + " as stale, or, at an equal token, pass alongside an earlier holder's. Delete these items from"
                + " the lease table while nobody holds them (release them first), so that the next grant creates"
                + " an item that starts above every earlier token, then run guard check again.";
    }

    String json() {
        StringBuilder json = new StringBuilder("{\"guardTable\":")
                .append(LeaseOutput.quote(guardTable))
                .append(",\"resolvedTable\":")
                .append(LeaseOutput.quote(contents.resolvedTable()))
                .append(",\"dialect\":")
                .append(LeaseOutput.quote(contents.dialect().name()))
                .append(",\"leaseTable\":")
                .append(LeaseOutput.quote(leaseTable))
                .append(",\"missingModeColumns\":")
                .append(contents.missingModeColumns().stream()
                        .map(LeaseOutput::quote)
                        .collect(Collectors.joining(",", "[", "]")))
                .append(",\"addModeColumnsSql\":")
                .append(LeaseOutput.quote(addModeColumnsSql()))
                .append(",\"ok\":")
                .append(count(Status.FENCE_WENT_BACK) == 0)
                .append(",\"fenceWentBack\":")
                .append(count(Status.FENCE_WENT_BACK))
                .append(",\"absent\":")
                .append(count(Status.ABSENT))
                .append(",\"rows\":[");
        for (int i = 0; i < rows.size(); i++) {
            Row row = rows.get(i);
            json.append(i == 0 ? "" : ",")
                    .append("{\"name\":")
                    .append(LeaseOutput.quote(row.name()))
                    .append(",\"guardToken\":")
                    .append(row.guardToken())
                    .append(",\"guardMode\":\"")
                    .append(row.guardMode())
                    .append("\",\"leaseFence\":")
                    .append(row.leaseFence())
                    .append(",\"status\":\"")
                    .append(row.status().name())
                    .append("\"}");
        }
        return json.append("]}").toString();
    }
}
