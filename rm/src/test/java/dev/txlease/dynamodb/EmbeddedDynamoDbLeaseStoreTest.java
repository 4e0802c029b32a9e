package dev.txlease.dynamodb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.txlease.LeaseStoreUnavailableException;
import dev.txlease.spi.GrantRequest;
import dev.txlease.testing.DynamoDbLocal;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The DynamoDB lease store on DynamoDB Local embedded in the JVM. */
class EmbeddedDynamoDbLeaseStoreTest extends AbstractDynamoDbLeaseStoreTest {
    @RegisterExtension
    static final DynamoDbLocal dynamo = DynamoDbLocal.embedded();

    @Override
    DynamoDbLocal dynamo() {
        return dynamo;
    }

    @Test
    void aGrantWhoseResponseIsLostIsUnavailableButTookEffect() {
        String name = newName();
        GrantRequest request = grantRequest(name, "alice", newVersion());
        dynamo.faults().dropResponses("UpdateItem", 1);

        LeaseStoreUnavailableException e =
                assertThrows(LeaseStoreUnavailableException.class, () -> store.tryGrant(request));

        assertEquals(name, e.lockName());
        assertEquals(1, dynamo.requests().count("UpdateItem"));
        assertEquals(request.newVersion(), store.read(name).orElseThrow().version());
    }
}
