package dev.txlease.cli;

import java.util.Map;
import java.util.function.Consumer;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ScanRequest;
import software.amazon.awssdk.services.dynamodb.model.ScanResponse;

/**
 * A consistent, paginated {@code Scan} of the lease table, for the commands that look at every
 * lock ({@code list}, {@code guard check}). For operators, not for a hot path.
 *
 * <p>Stateless and thread-safe.
 */
final class LeaseTableScan {
    private LeaseTableScan() {}

    /**
     * Scans the whole table, page by page.
     *
     * @param client the tool's client
     * @param options where the table is (named in a failure)
     * @param query sets the projection and filter of every page's request
     * @param each receives every item the filter lets through
     * @throws dev.txlease.LeaseStoreUnavailableException if a page cannot be read
     */
    static void scan(
            DynamoDbClient client,
            StoreOptions options,
            Consumer<ScanRequest.Builder> query,
            Consumer<Map<String, AttributeValue>> each) {
        Map<String, AttributeValue> startKey = null;
        do {
            ScanRequest.Builder request =
                    ScanRequest.builder().tableName(options.table).consistentRead(true);
            query.accept(request);
            ScanResponse page;
            try {
                page = client.scan(request.exclusiveStartKey(startKey).build());
            } catch (SdkException e) {
                throw options.unavailable("Scan", e);
            }
            page.items().forEach(each);
            startKey =
                    page.hasLastEvaluatedKey() && !page.lastEvaluatedKey().isEmpty() ? page.lastEvaluatedKey() : null;
        } while (startKey != null);
    }
}
