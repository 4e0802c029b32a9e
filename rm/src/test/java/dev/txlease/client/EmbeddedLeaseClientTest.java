package dev.txlease.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.txlease.Lease;
import dev.txlease.LeaseStoreUnavailableException;
import dev.txlease.testing.DynamoDbLocal;
import dev.txlease.testing.ManualClock;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The contract on the embedded DynamoDB Local, plus what needs many cheap failing calls. */
class EmbeddedLeaseClientTest extends LeaseClientContract {
    @RegisterExtension
    static final DynamoDbLocal DYNAMO = DynamoDbLocal.embedded();

    @Override
    DynamoDbLocal dynamo() {
        return DYNAMO;
    }

    // Issue 10, item 6: however many renewals had an unknown outcome, the lease lives on.
    @Test
    void aLeaseSurvivesManyRenewalsWithUnknownOutcomeAndCloseReleasesIt() {
        ManualClock clock = new ManualClock();
        DefaultLeaseClient holder = client("holder", clock);
        Lease lease = holder.acquire("unknown", noHeartbeat(Duration.ofSeconds(30)));
        for (int i = 0; i < 150; i++) {
            DYNAMO.faults().dropResponses("UpdateItem", 1);
            assertThrows(LeaseStoreUnavailableException.class, () -> holder.renew(lease));
            DYNAMO.faults().failRequests("UpdateItem", 1);
            assertThrows(LeaseStoreUnavailableException.class, () -> holder.renew(lease));
        }
        holder.renew(lease);
        assertTrue(lease.isValid());
        assertEquals(Duration.ofSeconds(30), lease.remaining());
        lease.close();
        assertTrue(holder.inspect("unknown").orElseThrow().isReleased());
    }
}
