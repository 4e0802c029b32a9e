package dev.txlease.client;

import dev.txlease.testing.DynamoDbLocal;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The lock-mode contract on the embedded DynamoDB Local. */
class EmbeddedLockModeTest extends LockModeContract {
    @RegisterExtension
    static final DynamoDbLocal DYNAMO = DynamoDbLocal.embedded();

    @Override
    DynamoDbLocal dynamo() {
        return DYNAMO;
    }
}
