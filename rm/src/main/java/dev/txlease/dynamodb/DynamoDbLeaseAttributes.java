package dev.txlease.dynamodb;

import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * The attribute names of a lease item in a {@link DynamoDbLeaseStore} table, for tables whose
 * names must follow a house style or that already exist. Made by {@link #builder()}; {@link
 * #defaults()} gives:
 *
 * <table>
 *   <caption>Default attribute names</caption>
 *   <tr><th>role</th><th>name</th><th>type</th></tr>
 *   <tr><td>partition key (lock name)</td><td>{@code name}</td><td>S</td></tr>
 *   <tr><td>owner</td><td>{@code owner}</td><td>S</td></tr>
 *   <tr><td>record version (CAS nonce)</td><td>{@code version}</td><td>S</td></tr>
 *   <tr><td>fence counter</td><td>{@code fence}</td><td>N</td></tr>
 *   <tr><td>the EX holder's fence token, when NL grants were made since its grant</td><td>{@code
 *   exFence}</td><td>N</td></tr>
 *   <tr><td>lease duration in milliseconds</td><td>{@code leaseDurationMs}</td><td>N</td></tr>
 *   <tr><td>data</td><td>{@code data}</td><td>B</td></tr>
 *   <tr><td>released flag</td><td>{@code released}</td><td>BOOL</td></tr>
 *   <tr><td>holder's node</td><td>{@code node}</td><td>S</td></tr>
 *   <tr><td>prepared transaction</td><td>{@code txid}</td><td>S</td></tr>
 *   <tr><td>expiry of a released item, for DynamoDB TTL (epoch seconds)</td><td>{@code expiresAt}</td><td>N</td></tr>
 *   <tr><td>prefix of the attributes of holders in modes other than EX (see {@link
 *   DynamoDbLeaseStore})</td><td>{@code h_}</td><td>-</td></tr>
 *   <tr><td>waiter marker</td><td>{@code waiter}</td><td>M</td></tr>
 * </table>
 *
 * <p>Instances are immutable and thread-safe; builders are not thread-safe.
 */
public final class DynamoDbLeaseAttributes {
    private static final DynamoDbLeaseAttributes DEFAULTS = builder().build();

    private final String partitionKey;
    private final String owner;
    private final String version;
    private final String fence;
    private final String exclusiveFence;
    private final String leaseDuration;
    private final String data;
    private final String released;
    private final String node;
    private final String transactionId;
    private final String expiresAt;
    private final String holderPrefix;
    private final String waiter;

    private DynamoDbLeaseAttributes(Builder builder) {
        this.partitionKey = builder.partitionKey;
        this.owner = builder.owner;
        this.version = builder.version;
        this.fence = builder.fence;
        this.exclusiveFence = builder.exclusiveFence;
        this.leaseDuration = builder.leaseDuration;
        this.data = builder.data;
        this.released = builder.released;
        this.node = builder.node;
        this.transactionId = builder.transactionId;
        this.expiresAt = builder.expiresAt;
        this.holderPrefix = builder.holderPrefix;
        this.waiter = builder.waiter;
    }

    /** Returns the default attribute names. */
    public static DynamoDbLeaseAttributes defaults() {
        return DEFAULTS;
    }

    /** Returns a builder that starts from the defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** Returns the name of the partition key (string): the lock name. */
    public String partitionKey() {
        return partitionKey;
    }

    /** Returns the name of the owner attribute (string), absent once released. */
    public String owner() {
        return owner;
    }

    /** Returns the name of the record version attribute (string): the compare-and-set nonce. */
    public String version() {
        return version;
    }

    /** Returns the name of the fence counter attribute (number). */
    public String fence() {
        return fence;
    }

    /**
     * Returns the name of the EX holder's fence token attribute (number): written by a grant in mode
     * NL (which may land beside an EX holder and counts the fence on) if absent, removed by every EX
     * grant; while absent, the EX holder's token is the {@link #fence()} counter.
     */
    public String exclusiveFence() {
        return exclusiveFence;
    }

    /** Returns the name of the lease duration attribute (number, milliseconds). */
    public String leaseDuration() {
        return leaseDuration;
    }

    /** Returns the name of the data attribute (binary), absent when there is none. */
    public String data() {
        return data;
    }

    /** Returns the name of the released flag (boolean). */
    public String released() {
        return released;
    }

    /** Returns the name of the holder's node attribute (string). */
    public String node() {
        return node;
    }

    /** Returns the name of the prepared transaction attribute (string), absent when none is prepared. */
    public String transactionId() {
        return transactionId;
    }

    /**
     * Returns the name of the expiry attribute (number, epoch seconds): written on release when {@link
     * DynamoDbLeaseStore.Builder#releasedItemExpiry} is set, removed on grant; the attribute to turn
     * DynamoDB TTL on for.
     */
    public String expiresAt() {
        return expiresAt;
    }

    /**
     * Returns the prefix of the attributes of holders in modes other than EX: {@code <prefix><MODE>}
     * (number) counts the holders of a mode, {@code <prefix><MODE>_<holderId>} (map) is one holder,
     * {@code <prefix><MODE>#<holderId>} (number) its fence token.
     */
    public String holderPrefix() {
        return holderPrefix;
    }

    /** Returns the name of the waiter marker attribute (map), absent when nobody queues. */
    public String waiter() {
        return waiter;
    }

    /** Returns every attribute name, the partition key first. */
    List<String> all() {
        return List.of(
                partitionKey,
                owner,
                version,
                fence,
                exclusiveFence,
                leaseDuration,
                data,
                released,
                node,
                transactionId,
                expiresAt,
                waiter);
    }

    @Override
    public String toString() {
        return "DynamoDbLeaseAttributes[partitionKey=" + partitionKey + ", owner=" + owner + ", version=" + version
                + ", fence=" + fence + ", exclusiveFence=" + exclusiveFence + ", leaseDuration=" + leaseDuration
                + ", data=" + data + ", released="
                + released + ", node=" + node + ", transactionId=" + transactionId + ", expiresAt=" + expiresAt
                + ", holderPrefix=" + holderPrefix + ", waiter=" + waiter + "]";
    }

    /** Builds {@link DynamoDbLeaseAttributes}; each setter checks its name, {@link #build()} that all differ. */
    public static final class Builder {
        private String partitionKey = "name";
        private String owner = "owner";
        private String version = "version";
        private String fence = "fence";
        private String exclusiveFence = "exFence";
        private String leaseDuration = "leaseDurationMs";
        private String data = "data";
        private String released = "released";
        private String node = "node";
        private String transactionId = "txid";
        private String expiresAt = "expiresAt";
        private String holderPrefix = "h_";
        private String waiter = "waiter";

        private Builder() {}

        /** Sets the prefix of the holder attributes of modes other than EX (default {@code h_}). */
        public Builder holderPrefix(String prefix) {
            this.holderPrefix = check("holderPrefix", prefix);
            if (prefix.length() > 64) {
                throw new IllegalArgumentException(
                        "holderPrefix must be at most 64 characters, was " + prefix.length());
            }
            return this;
        }

        /** Sets the waiter marker attribute name (default {@code waiter}). */
        public Builder waiter(String name) {
            this.waiter = check("waiter", name);
            return this;
        }

        /** Sets the partition key name (default {@code name}). */
        public Builder partitionKey(String name) {
            this.partitionKey = check("partitionKey", name);
            return this;
        }

        /** Sets the owner attribute name (default {@code owner}). */
        public Builder owner(String name) {
            this.owner = check("owner", name);
            return this;
        }

        /** Sets the record version attribute name (default {@code version}). */
        public Builder version(String name) {
            this.version = check("version", name);
            return this;
        }

        /** Sets the fence counter attribute name (default {@code fence}). */
        public Builder fence(String name) {
            this.fence = check("fence", name);
            return this;
        }

        /** Sets the EX holder's fence token attribute name (default {@code exFence}). */
        public Builder exclusiveFence(String name) {
            this.exclusiveFence = check("exclusiveFence", name);
            return this;
        }

        /** Sets the lease duration attribute name (default {@code leaseDurationMs}). */
        public Builder leaseDuration(String name) {
            this.leaseDuration = check("leaseDuration", name);
            return this;
        }

        /** Sets the data attribute name (default {@code data}). */
        public Builder data(String name) {
            this.data = check("data", name);
            return this;
        }

        /** Sets the released flag name (default {@code released}). */
        public Builder released(String name) {
            this.released = check("released", name);
            return this;
        }

        /** Sets the node attribute name (default {@code node}). */
        public Builder node(String name) {
            this.node = check("node", name);
            return this;
        }

        /** Sets the prepared transaction attribute name (default {@code txid}). */
        public Builder transactionId(String name) {
            this.transactionId = check("transactionId", name);
            return this;
        }

        /** Sets the expiry attribute name (default {@code expiresAt}). */
        public Builder expiresAt(String name) {
            this.expiresAt = check("expiresAt", name);
            return this;
        }

        /**
         * Checks that all names differ and returns the attribute names.
         *
         * @return the attribute names
         * @throws IllegalArgumentException if two roles share a name
         */
        public DynamoDbLeaseAttributes build() {
            List<String> names = List.of(
                    partitionKey,
                    owner,
                    version,
                    fence,
                    exclusiveFence,
                    leaseDuration,
                    data,
                    released,
                    node,
                    transactionId,
                    expiresAt,
                    waiter);
            Set<String> seen = new HashSet<>();
            for (String name : names) {
                if (!seen.add(name)) {
                    throw new IllegalArgumentException("attribute name '" + name
                            + "' is used for two roles; every role needs its own name: " + names);
                }
                if (name.startsWith(holderPrefix)) {
                    throw new IllegalArgumentException("attribute name '" + name + "' starts with the holder prefix '"
                            + holderPrefix + "'; choose another name or prefix");
                }
            }
            return new DynamoDbLeaseAttributes(this);
        }

        private static String check(String argument, String name) {
            Objects.requireNonNull(name, () -> argument + " must not be null");
            if (name.isEmpty() || name.length() > 255) {
                throw new IllegalArgumentException(
                        argument + " must be 1 to 255 characters, was " + name.length() + " characters");
            }
            return name;
        }
    }
}
