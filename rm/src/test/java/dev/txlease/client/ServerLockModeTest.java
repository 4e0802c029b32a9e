package dev.txlease.client;

import dev.txlease.testing.DynamoDbLocal;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The lock-mode contract over loopback HTTP with the SDK's retries. */
class ServerLockModeTest extends LockModeContract {
    @RegisterExtension
    static final DynamoDbLocal DYNAMO = DynamoDbLocal.server();

    @Override
    DynamoDbLocal dynamo() {
        return DYNAMO;
    }
}
