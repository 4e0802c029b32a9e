package dev.txlease.cli;

import dev.txlease.spi.LeaseRecord;
import java.io.PrintWriter;
import java.util.List;

/**
 * Prints lease records as aligned text or as JSON (one object per record, fields named as in the
 * README).
 *
 * <p>Stateless and thread-safe.
 */
final class LeaseOutput {
    private static final String ROW = "%-30s %-24s %-16s %8s %10s  %s%n";

    private LeaseOutput() {}

    /** Prints {@code records} as a table with a header, or as a JSON array. */
    static void table(PrintWriter out, List<LeaseRecord> records, boolean json) {
        if (json) {
            out.print("[");
            for (int i = 0; i < records.size(); i++) {
                out.print((i == 0 ? "" : ",") + json(records.get(i)));
            }
            out.println("]");
            return;
        }
        out.printf(ROW, "NAME", "OWNER", "NODE", "FENCE", "LEASE", "PREPARED XID");
        for (LeaseRecord record : records) {
            out.printf(
                    ROW,
                    record.name(),
                    text(record.owner()),
                    text(record.node()),
                    fence(record),
                    record.leaseDuration(),
                    text(record.transactionId()));
        }
    }

    /** Prints one record, a field per line, or as a JSON object. */
    static void detail(PrintWriter out, LeaseRecord record, boolean json) {
        if (json) {
            out.println(json(record));
            return;
        }
        out.println("name:          " + record.name());
        out.println("state:         " + (record.released() ? "released" : "held"));
        out.println("owner:         " + text(record.owner()));
        out.println("node:          " + text(record.node()));
        out.println("fence:         " + fence(record));
        out.println("lease:         " + record.leaseDuration() + " (of the latest grant, renewal or prepare)");
        out.println("version:       " + record.version());
        out.println("prepared xid:  " + text(record.transactionId()));
        out.println("data:          " + (record.data() == null ? "-" : record.data().length + " bytes"));
    }

    /** The EX holder's own token while it holds (NL grants beside it have larger ones), else the counter. */
    private static long fence(LeaseRecord record) {
        return record.released() ? record.fence() : record.exclusiveFence();
    }

    static String json(LeaseRecord record) {
        return "{\"name\":" + quote(record.name())
                + ",\"owner\":" + quote(record.owner())
                + ",\"node\":" + quote(record.node())
                + ",\"fence\":" + fence(record)
                + ",\"leaseDurationMs\":" + record.leaseDuration().toMillis()
                + ",\"released\":" + record.released()
                + ",\"version\":" + quote(record.version())
                + ",\"preparedXid\":" + quote(record.transactionId())
                + ",\"dataBytes\":" + (record.data() == null ? 0 : record.data().length)
                + "}";
    }

    /** A JSON string literal, or {@code null}. */
    static String quote(String value) {
        if (value == null) {
            return "null";
        }
        StringBuilder quoted = new StringBuilder("\"");
        for (char c : value.toCharArray()) {
            switch (c) {
                case '"' -> quoted.append("\\\"");
                case '\\' -> quoted.append("\\\\");
                case '\n' -> quoted.append("\\n");
                case '\r' -> quoted.append("\\r");
                case '\t' -> quoted.append("\\t");
                default -> {
                    if (c < 0x20) {
                        quoted.append(String.format("\\u%04x", (int) c));
                    } else {
                        quoted.append(c);
                    }
                }
            }
        }
        return quoted.append('"').toString();
    }

    private static String text(String value) {
        return value == null ? "-" : value;
    }
}
