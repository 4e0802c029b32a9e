package dev.txlease.jta;

import java.util.Arrays;
import java.util.HexFormat;
import javax.transaction.xa.Xid;

/**
 * Writes a branch {@link Xid} as the transaction id recorded on a lease item, and reads it back for
 * {@code recover()}: {@code <formatId>:<hex global transaction id>:<hex branch qualifier>}, for
 * example {@code 131077:0a1b...:03ff...}. The bytes are kept exactly, so a transaction manager can
 * match a recovered Xid against its log and parse its own node name out of it. Stateless and
 * thread-safe.
 */
final class XidCodec {
    private static final HexFormat HEX = HexFormat.of();

    private XidCodec() {}

    /** Returns the transaction id recorded for {@code xid}. */
    static String encode(Xid xid) {
        return xid.getFormatId() + ":" + HEX.formatHex(xid.getGlobalTransactionId()) + ":"
                + HEX.formatHex(xid.getBranchQualifier());
    }

    /**
     * Returns the Xid that {@link #encode} wrote as {@code transactionId}.
     *
     * @throws IllegalArgumentException if {@code transactionId} was not written by {@link #encode}
     */
    static Xid decode(String transactionId) {
        String[] parts = transactionId.split(":", -1);
        if (parts.length != 3) {
            throw new IllegalArgumentException("not a txlease transaction id: '" + transactionId + "'");
        }
        try {
            return new RecoveredXid(Integer.parseInt(parts[0]), HEX.parseHex(parts[1]), HEX.parseHex(parts[2]));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a txlease transaction id: '" + transactionId + "'", e);
        }
    }

    /** Returns whether two Xids name the same branch (their bytes are equal, whatever their classes). */
    static boolean same(Xid first, Xid second) {
        return first.getFormatId() == second.getFormatId()
                && Arrays.equals(first.getGlobalTransactionId(), second.getGlobalTransactionId())
                && Arrays.equals(first.getBranchQualifier(), second.getBranchQualifier());
    }

    /** Returns {@code xid} for a message; {@code "null"} for null. */
    static String describe(Xid xid) {
        return xid == null ? "null" : "Xid[" + encode(xid) + "]";
    }

    /** A branch Xid rebuilt from a lease item. Immutable. */
    private static final class RecoveredXid implements Xid {
        private final int formatId;
        private final byte[] globalTransactionId;
        private final byte[] branchQualifier;

        RecoveredXid(int formatId, byte[] globalTransactionId, byte[] branchQualifier) {
            this.formatId = formatId;
            this.globalTransactionId = globalTransactionId;
            this.branchQualifier = branchQualifier;
        }

        @Override
        public int getFormatId() {
            return formatId;
        }

        @Override
        public byte[] getGlobalTransactionId() {
            return globalTransactionId.clone();
        }

        @Override
        public byte[] getBranchQualifier() {
            return branchQualifier.clone();
        }

        @Override
        public boolean equals(Object other) {
            return other instanceof Xid && same(this, (Xid) other);
        }

        @Override
        public int hashCode() {
            return 31 * (31 * formatId + Arrays.hashCode(globalTransactionId)) + Arrays.hashCode(branchQualifier);
        }

        @Override
        public String toString() {
            return describe(this);
        }
    }
}
