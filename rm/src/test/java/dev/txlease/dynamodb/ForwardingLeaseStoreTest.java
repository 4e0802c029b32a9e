package dev.txlease.dynamodb;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.txlease.spi.ForwardingLeaseStore;
import dev.txlease.spi.LeaseStore;
import dev.txlease.testing.DynamoDbLocal;
import dev.txlease.testing.LeaseStoreContract;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@link ForwardingLeaseStore}, the test kit's one decorator base: a decorator that only overrides
 * {@code forward} keeps the whole store contract, and sees every operation by name.
 */
class ForwardingLeaseStoreTest extends LeaseStoreContract {
    @RegisterExtension
    static final DynamoDbLocal dynamo = DynamoDbLocal.embedded();

    private final List<String> forwarded = new CopyOnWriteArrayList<>();

    @Override
    protected LeaseStore newStore() {
        DynamoDbLeaseStore real = dynamo.newStore();
        dynamo.requests().reset();
        return new ForwardingLeaseStore(real) {
            @Override
            protected <T> T forward(String operation, String lockName, Supplier<T> call) {
                forwarded.add(operation);
                return call.get();
            }
        };
    }

    @Override
    protected long requestsSent() {
        return dynamo.requests().total();
    }

    @Test
    void everyOperationPassesThroughForwardByName() {
        String name = newName();
        String version = grant(name, "alice").version();
        store.renew(name, "alice", List.of(version), newVersion(), LEASE);
        store.prepare(name, "alice", List.of(version), newVersion(), LEASE, "tx");
        store.completeTransaction(name, "tx", true);
        store.release(name, "alice", List.of(version));
        store.read(name);
        store.findPrepared(NODE);

        assertEquals(
                List.of("tryGrant", "renew", "prepare", "completeTransaction", "release", "read", "findPrepared"),
                forwarded);
    }
}
