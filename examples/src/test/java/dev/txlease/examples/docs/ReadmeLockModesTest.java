package dev.txlease.examples.docs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.txlease.AcquireOptions;
import dev.txlease.Lease;
import dev.txlease.LockMode;
import dev.txlease.client.DefaultLeaseClient;
import dev.txlease.dynamodb.DynamoDbLeaseStore;
import dev.txlease.spi.LeaseRecord;
import dev.txlease.testing.DynamoDbLocal;
import dev.txlease.testing.FenceTokens;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The README's "Lock modes" code, run against the embedded DynamoDB Local. */
class ReadmeLockModesTest {
    @RegisterExtension
    static final DynamoDbLocal DYNAMO = DynamoDbLocal.embedded();

    @Test
    void readersShareTheLockAndAConversionToExGetsALargerToken() {
        DynamoDbLeaseStore store = DYNAMO.newStore();
        try (DefaultLeaseClient client =
                        DefaultLeaseClient.builder(store).node("worker-7").build();
                DefaultLeaseClient other =
                        DefaultLeaseClient.builder(store).node("worker-8").build()) {
            // tag::lock-modes[]
            AcquireOptions read = AcquireOptions.builder().mode(LockMode.PR).build();
            try (Lease reader = client.acquire("report-2026", read)) { // shared with other PR holders
                long readFence = reader.fenceToken().value();
                // ... read, fenced with readFence ...
                reader.convert(LockMode.EX); // waits until the other readers left, like acquire
                long writeFence = reader.fenceToken().value(); // a conversion is a new grant: larger
                // ... write with writeFence ...
                // end::lock-modes[]
                assertTrue(writeFence > readFence);
                assertEquals(LockMode.EX, reader.mode());
                assertEquals(Optional.empty(), other.tryAcquire("report-2026", read));
                // tag::lock-modes[]
                reader.convert(LockMode.PR); // at once (one request): readers may join again
            }
            // end::lock-modes[]
            LeaseRecord after = store.read("report-2026").orElseThrow();
            assertEquals(3, FenceTokens.grantCount(after.fence()), "PR, EX, PR: three grants");
            assertEquals(0, after.holders().size(), "released at the end of the block");
        }
    }
}
