package dev.txlease.client;

import dev.txlease.testing.DynamoDbLocal;
import org.junit.jupiter.api.extension.RegisterExtension;

class EmbeddedLeaseClientTest extends LeaseClientContract {
    @RegisterExtension
    static final DynamoDbLocal DYNAMO = DynamoDbLocal.embedded();

    @Override
    DynamoDbLocal dynamo() {
        return DYNAMO;
    }
}
