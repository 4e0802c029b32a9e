package dev.txlease.spring.boot;

import java.net.URI;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The {@code txlease.*} properties of the Boot auto-configuration.
 *
 * <p>Not thread-safe: bound once at start-up, read afterwards.
 */
@ConfigurationProperties("txlease")
public class TxleaseProperties {
    /** Whether to auto-configure txlease. */
    private boolean enabled = true;

    private final DynamoDb dynamodb = new DynamoDb();
    private final Client client = new Client();
    private final Fencing fencing = new Fencing();
    private final Integration integration = new Integration();

    public boolean isEnabled() {
        return enabled;
    }

    public void setEnabled(boolean enabled) {
        this.enabled = enabled;
    }

    public DynamoDb getDynamodb() {
        return dynamodb;
    }

    public Client getClient() {
        return client;
    }

    public Fencing getFencing() {
        return fencing;
    }

    public Integration getIntegration() {
        return integration;
    }

    /** The Spring Integration lock registry. */
    public static class Integration {
        /** Lease duration (TTL) of the registry's locks; heartbeats renew them while held. */
        private Duration lockTtl = Duration.ofSeconds(30);

        public Duration getLockTtl() {
            return lockTtl;
        }

        public void setLockTtl(Duration lockTtl) {
            this.lockTtl = lockTtl;
        }
    }

    /** The DynamoDB client and lease table (used when the application declares no LeaseStore). */
    public static class DynamoDb {
        /** AWS region of the lease table; the SDK's default region chain when unset. */
        private String region;

        /** Endpoint override, e.g. http://localhost:8000 for DynamoDB Local; AWS's endpoint when unset. */
        private URI endpoint;

        /** Name of the lease table. */
        private String table = "txlease_locks";

        /** Whether to create the lease table at start-up if it does not exist (on-demand capacity). */
        private boolean createTable;

        public String getRegion() {
            return region;
        }

        public void setRegion(String region) {
            this.region = region;
        }

        public URI getEndpoint() {
            return endpoint;
        }

        public void setEndpoint(URI endpoint) {
            this.endpoint = endpoint;
        }

        public String getTable() {
            return table;
        }

        public void setTable(String table) {
            this.table = table;
        }

        public boolean isCreateTable() {
            return createTable;
        }

        public void setCreateTable(boolean createTable) {
            this.createTable = createTable;
        }
    }

    /** The lease client. */
    public static class Client {
        /** Node identity recorded on the leases (JTA recovery finds its branches by it); the host name when unset. */
        private String node;

        /** Threads that renew the client's leases. */
        private int heartbeatThreads = 2;

        public String getNode() {
            return node;
        }

        public void setNode(String node) {
            this.node = node;
        }

        public int getHeartbeatThreads() {
            return heartbeatThreads;
        }

        public void setHeartbeatThreads(int heartbeatThreads) {
            this.heartbeatThreads = heartbeatThreads;
        }
    }

    /** Fencing of the application's DataSource. */
    public static class Fencing {
        /**
         * Whether to wrap the application's DataSource beans in a FencedDataSource, so that the
         * statements of a transaction holding leases are fenced in the database.
         */
        private boolean enabled;

        /** Name of the guard table, optionally schema-qualified. */
        private String guardTable = "txlease_fence";

        /** Whether to create the guard table at start-up if it does not exist. */
        private boolean createGuardTable;

        /**
         * Whether leases in read modes (CR, PR) guard queries too, not only writes: a reader
         * superseded by an incompatible holder that has written is then rejected at its next query.
         * A reader's check locks the guard row until its transaction ends.
         */
        private boolean fencedReads;

        public boolean isEnabled() {
            return enabled;
        }

        public void setEnabled(boolean enabled) {
            this.enabled = enabled;
        }

        public String getGuardTable() {
            return guardTable;
        }

        public void setGuardTable(String guardTable) {
            this.guardTable = guardTable;
        }

        public boolean isCreateGuardTable() {
            return createGuardTable;
        }

        public void setCreateGuardTable(boolean createGuardTable) {
            this.createGuardTable = createGuardTable;
        }

        public boolean isFencedReads() {
            return fencedReads;
        }

        public void setFencedReads(boolean fencedReads) {
            this.fencedReads = fencedReads;
        }
    }
}
