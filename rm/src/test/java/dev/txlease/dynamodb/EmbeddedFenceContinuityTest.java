package dev.txlease.dynamodb;

import dev.txlease.testing.DynamoDbLocal;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Fence continuity on DynamoDB Local embedded in the JVM. */
class EmbeddedFenceContinuityTest extends AbstractFenceContinuityTest {
    @RegisterExtension
    static final DynamoDbLocal dynamo = DynamoDbLocal.embedded();

    @Override
    DynamoDbLocal dynamo() {
        return dynamo;
    }
}
