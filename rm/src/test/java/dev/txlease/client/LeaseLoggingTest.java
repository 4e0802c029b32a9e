package dev.txlease.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.txlease.AcquireOptions;
import dev.txlease.Lease;
import dev.txlease.LeaseLostException;
import dev.txlease.dynamodb.DynamoDbLeaseStore;
import dev.txlease.testing.Await;
import dev.txlease.testing.DynamoDbLocal;
import dev.txlease.testing.ManualClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The level conventions of txlease's logging (issue 15, item 2): a lost lease is a WARNING, a
 * takeover INFO, and no renewal logs above DEBUG. txlease logs through {@link System.Logger}, whose
 * default backend is {@code java.util.logging}: this test listens there, on the {@code dev.txlease}
 * logger every txlease logger descends from.
 */
class LeaseLoggingTest {
    @RegisterExtension
    static final DynamoDbLocal DYNAMO = DynamoDbLocal.embedded();

    private static final SimpleFormatter FORMAT = new SimpleFormatter();

    private final Logger txlease = Logger.getLogger("dev.txlease"); // held: JUL keeps loggers weakly
    private final List<LogRecord> records = new CopyOnWriteArrayList<>();
    private final Handler capture = new Handler() {
        @Override
        public void publish(LogRecord record) {
            records.add(record);
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}
    };
    private final List<DefaultLeaseClient> clients = new ArrayList<>();
    private Level levelBefore;
    private DynamoDbLeaseStore store;

    @BeforeEach
    void listen() {
        assertEquals(
                "sun.util.logging.internal.LoggingProviderImpl",
                System.LoggerFinder.getLoggerFinder().getClass().getName(),
                "this test reads System.Logger output through java.util.logging, its default backend");
        levelBefore = txlease.getLevel();
        txlease.setLevel(Level.ALL);
        capture.setLevel(Level.ALL);
        txlease.addHandler(capture);
        store = DYNAMO.newStore();
    }

    @AfterEach
    void stopListening() {
        clients.forEach(DefaultLeaseClient::close);
        txlease.removeHandler(capture);
        txlease.setLevel(levelBefore);
    }

    @Test
    void aLostLeaseIsAWarningThatNamesTheLockOwnerFenceAndWhatToDo() {
        ManualClock clock = new ManualClock();
        DefaultLeaseClient client = client("loser", clock);
        Lease lease = client.acquire("lost-lock", noHeartbeat(Duration.ofSeconds(10)));
        clock.advance(Duration.ofSeconds(11));

        assertThrows(LeaseLostException.class, () -> client.renew(lease));

        List<LogRecord> warnings = about("lost-lock", Level.WARNING);
        assertEquals(1, warnings.size(), this::dump);
        String message = FORMAT.formatMessage(warnings.get(0));
        assertTrue(message.contains("owner loser"), message);
        assertTrue(message.contains("fence " + lease.fenceToken()), message);
        assertTrue(message.contains("EXPIRED_LOCALLY"), message);
        assertTrue(message.contains("acquire the lock again"), message);
    }

    @Test
    void aTakeoverIsInfoNamingThePreviousAndTheNewOwner() throws Exception {
        Duration duration = Duration.ofSeconds(10);
        DefaultLeaseClient holder = client("stalled", new ManualClock());
        ManualClock waiterClock = new ManualClock();
        DefaultLeaseClient waiter = client("taker", waiterClock);
        holder.acquire("taken-lock", noHeartbeat(duration));
        DYNAMO.requests().reset();
        CompletableFuture<Lease> next = waiter.acquireAsync("taken-lock", noHeartbeat(duration));
        Await.until("the waiter polled", () -> DYNAMO.requests().total() >= 2);
        waiterClock.advance(duration.plusMillis(1));
        Lease taken = next.get(30, TimeUnit.SECONDS);

        List<LogRecord> infos = about("taken-lock", Level.INFO);
        assertEquals(1, infos.size(), this::dump);
        assertEquals(Level.INFO, infos.get(0).getLevel());
        String message = FORMAT.formatMessage(infos.get(0));
        assertTrue(message.contains("took over"), message);
        assertTrue(message.contains("owner stalled"), message);
        assertTrue(message.contains("new owner taker"), message);
        assertTrue(message.contains("fence " + taken.fenceToken()), message);
    }

    @Test
    void renewalsLogNothingAboveDebug() {
        DefaultLeaseClient client = client("renewer", new ManualClock());
        Lease manual = client.acquire("renewed-lock", noHeartbeat(Duration.ofSeconds(10)));
        client.renew(manual);
        client.renew(manual);
        Lease beating = client.acquire(
                "beating-lock",
                AcquireOptions.builder()
                        .leaseDuration(Duration.ofSeconds(10))
                        .heartbeatPeriod(Duration.ofMillis(20))
                        .build());
        Await.until("heartbeats renewed the lease", () -> renewals("beating-lock") >= 3);
        beating.close();
        manual.close();

        assertEquals(2, renewals("renewed-lock"), this::dump);
        assertEquals(List.of(), about("renewed-lock", Level.INFO), this::dump);
        assertEquals(List.of(), about("beating-lock", Level.INFO), this::dump);
    }

    private long renewals(String lockName) {
        return records.stream()
                .filter(record -> FORMAT.formatMessage(record).contains("renewed lease on lock '" + lockName + "'"))
                .peek(record -> assertTrue(record.getLevel().intValue() <= Level.FINE.intValue(), this::dump))
                .count();
    }

    /** The records at {@code atLeast} or above whose message names {@code lockName}. */
    private List<LogRecord> about(String lockName, Level atLeast) {
        return records.stream()
                .filter(record -> record.getLevel().intValue() >= atLeast.intValue())
                .filter(record -> FORMAT.formatMessage(record).contains("'" + lockName + "'"))
                .collect(Collectors.toList());
    }

    private String dump() {
        return records.stream()
                .map(record -> record.getLevel() + " " + record.getLoggerName() + ": " + FORMAT.formatMessage(record))
                .collect(Collectors.joining("\n", "captured:\n", ""));
    }

    private DefaultLeaseClient client(String owner, ManualClock clock) {
        DefaultLeaseClient client =
                DefaultLeaseClient.builder(store).owner(owner).clock(clock).build();
        clients.add(client);
        return client;
    }

    private static AcquireOptions noHeartbeat(Duration lease) {
        return AcquireOptions.builder()
                .leaseDuration(lease)
                .heartbeatPeriod(Duration.ZERO)
                .waitTimeout(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(5))
                .build();
    }
}
