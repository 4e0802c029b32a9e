package dev.txlease.ra;

import dev.txlease.client.DefaultLeaseClient;
import dev.txlease.dynamodb.DynamoDbLeaseStore;
import dev.txlease.jta.ContainerLeaseResources;
import jakarta.resource.ResourceException;
import jakarta.resource.spi.ActivationSpec;
import jakarta.resource.spi.BootstrapContext;
import jakarta.resource.spi.ResourceAdapter;
import jakarta.resource.spi.ResourceAdapterInternalException;
import jakarta.resource.spi.endpoint.MessageEndpointFactory;
import jakarta.transaction.TransactionSynchronizationRegistry;
import java.lang.System.Logger.Level;
import java.net.URI;
import java.util.Objects;
import javax.transaction.xa.XAResource;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.DynamoDbClientBuilder;

/**
 * The resource adapter: owns one DynamoDB client, one {@link DynamoDbLeaseStore}, one {@link
 * DefaultLeaseClient} and the {@link ContainerLeaseResources} that the managed connections share,
 * from {@link #start} to {@link #stop}. Named in {@code ra.xml}; not for application code.
 *
 * <p>Config properties (JavaBean setters, set by the container before {@code start}): {@code
 * TableName} (default {@value DynamoDbLeaseStore#DEFAULT_TABLE_NAME}), {@code Region} (default
 * us-east-1), {@code EndpointOverride} (e.g. DynamoDB Local), {@code AccessKeyId} and {@code
 * SecretAccessKey} (static credentials; default: the SDK's default chain), {@code Node} (this server's
 * recovery identity: stable across restarts and unique per server; default: the host name), {@code
 * HeartbeatThreads}, {@code CreateTable} (create the table if missing, for development).
 *
 * <p>Thread-safe: configured before {@code start}, then read only.
 */
public final class LeaseResourceAdapter implements ResourceAdapter {
    private static final System.Logger LOG = System.getLogger(LeaseResourceAdapter.class.getName());

    private String tableName = DynamoDbLeaseStore.DEFAULT_TABLE_NAME;
    private String region = "us-east-1";
    private String endpointOverride;
    private String accessKeyId;
    private String secretAccessKey;
    private String node;
    private Integer heartbeatThreads;
    private Boolean createTable = Boolean.FALSE;

    private volatile Running running;

    /** What {@code start} built. */
    record Running(DynamoDbClient dynamoDb, DefaultLeaseClient client, ContainerLeaseResources resources) {}

    /** Creates an adapter with default configuration (the container calls this). */
    public LeaseResourceAdapter() {}

    @Override
    public void start(BootstrapContext context) throws ResourceAdapterInternalException {
        TransactionSynchronizationRegistry registry = context.getTransactionSynchronizationRegistry();
        if (registry == null) {
            throw new ResourceAdapterInternalException(
                    "txlease: the container offers no TransactionSynchronizationRegistry (Jakarta Connectors 1.6+);"
                            + " the adapter cannot bind leases to transactions");
        }
        DynamoDbClient dynamoDb = null;
        try {
            dynamoDb = dynamoDbClient();
            DynamoDbLeaseStore store =
                    DynamoDbLeaseStore.builder(dynamoDb).tableName(tableName).build();
            if (Boolean.TRUE.equals(createTable)) {
                store.createTableIfMissing();
            }
            DefaultLeaseClient.Builder builder = DefaultLeaseClient.builder(store);
            if (node != null && !node.isBlank()) {
                builder.node(node);
            }
            if (heartbeatThreads != null) {
                builder.heartbeatThreads(heartbeatThreads);
            }
            DefaultLeaseClient client = builder.build();
            running = new Running(dynamoDb, client, ContainerLeaseResources.of(client, registry));
            LOG.log(Level.INFO, "txlease: resource adapter started on {0}, node {1}", new Object[] {store, client.node()
            });
        } catch (RuntimeException e) {
            if (dynamoDb != null) {
                dynamoDb.close();
            }
            throw new ResourceAdapterInternalException("txlease: the resource adapter could not start: " + e, e);
        }
    }

    @Override
    public void stop() {
        Running stopped = running;
        running = null;
        if (stopped != null) {
            try {
                stopped.client().close();
            } finally {
                stopped.dynamoDb().close();
            }
        }
    }

    /** Returns what the running adapter holds; for the managed connection factory. */
    Running running() throws ResourceException {
        Running current = running;
        if (current == null) {
            throw new ResourceException("txlease: the resource adapter is not started (yet, or any more)");
        }
        return current;
    }

    private DynamoDbClient dynamoDbClient() {
        DynamoDbClientBuilder builder = DynamoDbClient.builder()
                .httpClient(UrlConnectionHttpClient.create())
                .region(Region.of(region));
        if (endpointOverride != null && !endpointOverride.isBlank()) {
            builder.endpointOverride(URI.create(endpointOverride));
        }
        if (accessKeyId != null && !accessKeyId.isBlank()) {
            builder.credentialsProvider(
                    StaticCredentialsProvider.create(AwsBasicCredentials.create(accessKeyId, secretAccessKey)));
        }
        return builder.build();
    }

    /** Inbound messaging is not supported. */
    @Override
    public void endpointActivation(MessageEndpointFactory factory, ActivationSpec spec) throws ResourceException {
        throw new jakarta.resource.NotSupportedException("txlease: the adapter has no inbound side");
    }

    @Override
    public void endpointDeactivation(MessageEndpointFactory factory, ActivationSpec spec) {}

    /** No inbound side, so no XAResources for message endpoints; outbound recovery goes through the connections. */
    @Override
    public XAResource[] getXAResources(ActivationSpec[] specs) {
        return new XAResource[0];
    }

    public String getTableName() {
        return tableName;
    }

    public void setTableName(String tableName) {
        this.tableName = tableName;
    }

    public String getRegion() {
        return region;
    }

    public void setRegion(String region) {
        this.region = region;
    }

    public String getEndpointOverride() {
        return endpointOverride;
    }

    public void setEndpointOverride(String endpointOverride) {
        this.endpointOverride = endpointOverride;
    }

    public String getAccessKeyId() {
        return accessKeyId;
    }

    public void setAccessKeyId(String accessKeyId) {
        this.accessKeyId = accessKeyId;
    }

    public String getSecretAccessKey() {
        return secretAccessKey;
    }

    public void setSecretAccessKey(String secretAccessKey) {
        this.secretAccessKey = secretAccessKey;
    }

    public String getNode() {
        return node;
    }

    public void setNode(String node) {
        this.node = node;
    }

    public Integer getHeartbeatThreads() {
        return heartbeatThreads;
    }

    public void setHeartbeatThreads(Integer heartbeatThreads) {
        this.heartbeatThreads = heartbeatThreads;
    }

    public Boolean getCreateTable() {
        return createTable;
    }

    public void setCreateTable(Boolean createTable) {
        this.createTable = createTable;
    }

    /** Adapters are equal when configured alike (the Connectors specification asks for it). */
    @Override
    public boolean equals(Object other) {
        if (!(other instanceof LeaseResourceAdapter)) {
            return false;
        }
        LeaseResourceAdapter that = (LeaseResourceAdapter) other;
        return Objects.equals(tableName, that.tableName)
                && Objects.equals(region, that.region)
                && Objects.equals(endpointOverride, that.endpointOverride)
                && Objects.equals(accessKeyId, that.accessKeyId)
                && Objects.equals(node, that.node)
                && Objects.equals(heartbeatThreads, that.heartbeatThreads)
                && Objects.equals(createTable, that.createTable);
    }

    @Override
    public int hashCode() {
        return Objects.hash(tableName, region, endpointOverride, accessKeyId, node, heartbeatThreads, createTable);
    }

    @Override
    public String toString() {
        return "LeaseResourceAdapter[table=" + tableName + ", region=" + region + ", endpoint=" + endpointOverride
                + ", node=" + node + "]";
    }
}
