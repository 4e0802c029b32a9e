package dev.txlease.cli;

import dev.txlease.LeaseStoreUnavailableException;
import dev.txlease.dynamodb.DynamoDbLeaseStore;
import java.net.URI;
import java.time.Duration;
import java.util.function.Consumer;
import picocli.CommandLine.Option;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.retry.RetryMode;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.DynamoDbClientBuilder;

/**
 * Where the lease table is: endpoint, region, table and timeout, from flags or the environment
 * (the same variables as the examples). Credentials come from the AWS SDK's default chain.
 *
 * <p>Not thread-safe: picocli fills it, one command uses it.
 */
final class StoreOptions {
    @Option(
            names = "--endpoint",
            paramLabel = "URL",
            defaultValue = "${env:TXLEASE_DYNAMODB_ENDPOINT}",
            description = "DynamoDB endpoint, e.g. http://localhost:8000 for DynamoDB Local"
                    + " (env TXLEASE_DYNAMODB_ENDPOINT; default: the region's endpoint).")
    URI endpoint;

    @Option(
            names = "--region",
            paramLabel = "REGION",
            defaultValue = "${env:AWS_REGION:-us-east-1}",
            description = "AWS region (env AWS_REGION; default ${DEFAULT-VALUE}).")
    String region;

    @Option(
            names = "--table",
            paramLabel = "TABLE",
            defaultValue = "${env:TXLEASE_DYNAMODB_TABLE:-" + DynamoDbLeaseStore.DEFAULT_TABLE_NAME + "}",
            description = "Lease table (env TXLEASE_DYNAMODB_TABLE; default ${DEFAULT-VALUE}).")
    String table;

    @Option(
            names = "--timeout",
            defaultValue = "PT10S",
            paramLabel = "DURATION",
            description = "Time limit per DynamoDB call, retries included, as ISO-8601 (default ${DEFAULT-VALUE}).")
    Duration timeout;

    /**
     * Returns a new client (the SDK's HTTP client on the class path, as txlease-rm brings it; three
     * attempts per call, within the timeout); the caller closes it.
     */
    DynamoDbClient client() {
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("--timeout must be positive, was " + timeout);
        }
        DynamoDbClientBuilder builder = DynamoDbClient.builder()
                .region(Region.of(region))
                .overrideConfiguration(
                        configuration -> configuration.apiCallTimeout(timeout).retryStrategy(RetryMode.STANDARD));
        if (endpoint != null) {
            builder.endpointOverride(endpoint);
        }
        try {
            return builder.build();
        } catch (SdkException e) {
            throw new LeaseStoreUnavailableException(
                    "cannot create a DynamoDB client for " + where() + ": " + e.getMessage(), null, e);
        }
    }

    /** Returns the store over {@code client}, configured further by {@code configure}; sends no request. */
    DynamoDbLeaseStore store(DynamoDbClient client, Consumer<DynamoDbLeaseStore.Builder> configure) {
        DynamoDbLeaseStore.Builder builder = DynamoDbLeaseStore.builder(client).tableName(table);
        configure.accept(builder);
        return builder.build();
    }

    /** Returns the failure of a request this tool sent itself (not through the store). */
    LeaseStoreUnavailableException unavailable(String request, SdkException cause) {
        return new LeaseStoreUnavailableException(
                request + " on table '" + table + "' at " + where() + " failed ("
                        + cause.getClass().getSimpleName() + ": " + cause.getMessage()
                        + "). Check the endpoint, region, table name and credentials.",
                null,
                cause);
    }

    private String where() {
        return (endpoint == null ? "the default endpoint" : endpoint.toString()) + " (region " + region + ")";
    }
}
