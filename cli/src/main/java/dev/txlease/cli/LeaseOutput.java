package dev.txlease.cli;

import dev.txlease.LockMode;
import dev.txlease.spi.LeaseHolder;
import dev.txlease.spi.LeaseRecord;
import dev.txlease.spi.LeaseWaiter;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.StringJoiner;

/**
 * Prints lease records as aligned text or as JSON (one object per record, fields named as in the
 * README): every holder of a name, in any lock mode, and the waiter marker.
 *
 * <p>Stateless and thread-safe.
 */
final class LeaseOutput {
    private static final String LIST_ROW = "%-30s %-4s %-6s %-24s %-16s %-36s %20s %10s  %s%n";
    private static final String HOLDER_ROW = "  %-4s %-24s %-16s %-36s %20s %10s  %-36s %-20s %s%n";

    private LeaseOutput() {}

    /** Returns the holders of {@code record}: the EX holder first, then the others by fence token. */
    static List<LeaseHolder> holders(LeaseRecord record) {
        List<LeaseHolder> holders = new ArrayList<>(record.allHolders());
        holders.sort(Comparator.comparing((LeaseHolder holder) -> holder.mode() != LockMode.EX)
                .thenComparingLong(LeaseHolder::fence));
        return holders;
    }

    /** Returns whether {@code record} has a holder in any mode or a waiter marker. */
    static boolean isInUse(LeaseRecord record) {
        return !record.allHolders().isEmpty() || record.waiter() != null;
    }

    /**
     * Prints {@code records} as a table with a row per holder and per waiter marker, or as a JSON
     * array.
     */
    static void table(PrintWriter out, List<LeaseRecord> records, boolean json) {
        if (json) {
            StringJoiner array = new StringJoiner(",", "[", "]");
            records.forEach(record -> array.add(json(record)));
            out.println(array);
            return;
        }
        out.printf(LIST_ROW, "NAME", "MODE", "ROLE", "OWNER", "NODE", "HOLDER-ID", "FENCE", "LEASE", "PREPARED-XID");
        for (LeaseRecord record : records) {
            for (LeaseHolder holder : holders(record)) {
                out.printf(
                        LIST_ROW,
                        record.name(),
                        holder.mode(),
                        "holder",
                        text(holder.owner()),
                        text(holder.node()),
                        text(holder.ref().holderId()),
                        fence(record, holder),
                        holder.leaseDuration(),
                        text(holder.transactionId()));
            }
            LeaseWaiter waiter = record.waiter();
            if (waiter != null) {
                out.printf(
                        LIST_ROW,
                        record.name(),
                        waiter.mode(),
                        "waiter",
                        waiter.owner(),
                        "-",
                        waiter.waiterId(),
                        "-",
                        waiter.leaseDuration(),
                        "-");
            }
        }
    }

    /** Prints one record, a field per line and a row per holder, or as a JSON object. */
    static void detail(PrintWriter out, LeaseRecord record, boolean json) {
        if (json) {
            out.println(json(record));
            return;
        }
        List<LeaseHolder> holders = holders(record);
        out.println("name:          " + record.name());
        out.println("state:         " + state(record, holders));
        out.println("fence:         " + record.fence() + " (the fence counter: the token of the latest grant in any"
                + " mode; it never goes back)");
        out.println("version:       " + record.version() + " (of the item's top level, the EX holder)");
        LeaseWaiter waiter = record.waiter();
        out.println("waiter:        "
                + (waiter == null
                        ? "-"
                        : waiter.mode() + ", owner '" + waiter.owner() + "', waiter id " + waiter.waiterId()
                                + ", lease " + waiter.leaseDuration() + ", version " + waiter.version()
                                + " (no grant incompatible with " + waiter.mode() + " is made to others meanwhile)"));
        out.println("holders:");
        out.printf(
                HOLDER_ROW, "MODE", "OWNER", "NODE", "HOLDER-ID", "FENCE", "LEASE", "VERSION", "PREPARED-XID", "DATA");
        for (LeaseHolder holder : holders) {
            out.printf(
                    HOLDER_ROW,
                    holder.mode(),
                    text(holder.owner()),
                    text(holder.node()),
                    text(holder.ref().holderId()),
                    fence(record, holder),
                    holder.leaseDuration(),
                    holder.version(),
                    text(holder.transactionId()),
                    holder.data() == null ? "-" : holder.data().length + "B");
        }
    }

    /**
     * The fence token of {@code holder} as text: its own, also for an EX holder beside which later NL
     * grants raised the counter.
     */
    static String fence(LeaseRecord record, LeaseHolder holder) {
        return Long.toString(holder.fence());
    }

    private static String state(LeaseRecord record, List<LeaseHolder> holders) {
        if (holders.isEmpty()) {
            return "released (no holder)";
        }
        StringJoiner counts = new StringJoiner(", ", " (", ")");
        for (LockMode mode : LockMode.values()) {
            int count = record.count(mode);
            if (count > 0) {
                counts.add(mode + " " + count);
            }
        }
        return "held by " + holders.size() + (holders.size() == 1 ? " holder" : " holders") + counts;
    }

    /**
     * A lock as JSON: the item's top level as before lock modes (the EX holder, {@code released} when
     * there is none, and the fence counter), then {@code held}, {@code holders} and {@code waiter}.
     */
    static String json(LeaseRecord record) {
        StringJoiner holders = new StringJoiner(",", "[", "]");
        holders(record).forEach(holder -> holders.add(json(holder)));
        return "{\"name\":" + quote(record.name())
                + ",\"owner\":" + quote(record.owner())
                + ",\"node\":" + quote(record.node())
                + ",\"fence\":" + record.fence()
                + ",\"leaseDurationMs\":" + record.leaseDuration().toMillis()
                + ",\"released\":" + record.released()
                + ",\"version\":" + quote(record.version())
                + ",\"preparedXid\":" + quote(record.transactionId())
                + ",\"dataBytes\":" + dataBytes(record.data())
                + ",\"held\":" + !record.allHolders().isEmpty()
                + ",\"holders\":" + holders
                + ",\"waiter\":" + json(record.waiter())
                + "}";
    }

    private static String json(LeaseHolder holder) {
        return "{\"mode\":" + quote(holder.mode().name())
                + ",\"holderId\":" + quote(holder.ref().holderId())
                + ",\"owner\":" + quote(holder.owner())
                + ",\"node\":" + quote(holder.node())
                + ",\"fence\":" + holder.fence()
                + ",\"leaseDurationMs\":" + holder.leaseDuration().toMillis()
                + ",\"version\":" + quote(holder.version())
                + ",\"preparedXid\":" + quote(holder.transactionId())
                + ",\"dataBytes\":" + dataBytes(holder.data())
                + "}";
    }

    private static String json(LeaseWaiter waiter) {
        if (waiter == null) {
            return "null";
        }
        return "{\"mode\":" + quote(waiter.mode().name())
                + ",\"owner\":" + quote(waiter.owner())
                + ",\"waiterId\":" + quote(waiter.waiterId())
                + ",\"leaseDurationMs\":" + waiter.leaseDuration().toMillis()
                + ",\"version\":" + quote(waiter.version())
                + "}";
    }

    private static int dataBytes(byte[] data) {
        return data == null ? 0 : data.length;
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

    static String text(String value) {
        return value == null ? "-" : value;
    }
}
