package dev.txlease.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.txlease.AcquireOptions;
import dev.txlease.client.DefaultLeaseClient;
import dev.txlease.spi.LeaseStore;
import dev.txlease.testing.DynamoDbLocal;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Issue 10, smaller defects: the local waiters of a client hold only names someone waits on. */
class LocalWaitersTest {
    @RegisterExtension
    static final DynamoDbLocal DYNAMO = DynamoDbLocal.embedded();

    @Test
    void failedTryAcquiresLeaveNoWaiterEntryBehind() {
        LeaseStore store = DYNAMO.newStore();
        AcquireOptions options = AcquireOptions.builder()
                .leaseDuration(Duration.ofMinutes(1))
                .heartbeatPeriod(Duration.ZERO)
                .build();
        try (DefaultLeaseClient holder =
                        DefaultLeaseClient.builder(store).owner("holder").build();
                DefaultLeaseClient poller =
                        DefaultLeaseClient.builder(store).owner("poller").build()) {
            for (int i = 0; i < 300; i++) {
                holder.acquire("name-" + i, options);
                assertTrue(poller.tryAcquire("name-" + i, options).isEmpty());
            }
            assertEquals(0, LeaseEngines.of(poller).waitingNames());
        }
    }
}
