package dev.txlease.dynamodb;

import dev.txlease.testing.DynamoDbLocal;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Fence continuity on the DynamoDB Local HTTP server, SDK retries on. */
class ServerFenceContinuityTest extends AbstractFenceContinuityTest {
    @RegisterExtension
    static final DynamoDbLocal dynamo = DynamoDbLocal.server();

    @Override
    DynamoDbLocal dynamo() {
        return dynamo;
    }
}
