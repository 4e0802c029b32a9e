package dev.txlease.spring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.txlease.AcquireOptions;
import dev.txlease.Lease;
import dev.txlease.LeaseState;
import dev.txlease.LeaseTimeoutException;
import dev.txlease.LockMode;
import dev.txlease.jdbc.testing.Databases;
import dev.txlease.testing.DynamoDbLocal;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.BeanCreationException;
import org.springframework.context.annotation.AnnotationConfigApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.annotation.Transactional;

/** {@link Leased} methods in a Spring context on DynamoDB Local and H2. */
class LeasedTest {
    private static final DynamoDbLocal DYNAMO = SpringTestKit.dynamo();

    private AnnotationConfigApplicationContext context;

    /** The service under test: lock names from SpEL over the arguments. */
    public static class CustomerService {
        private final JdbcTemplate jdbc;
        private volatile Lease seen;
        private volatile Optional<Lease> seenInTransaction;

        public CustomerService(JdbcTemplate jdbc) {
            this.jdbc = jdbc;
        }

        // Read through methods: the test holds a proxy, whose own fields stay empty.
        public Lease seen() {
            return seen;
        }

        public Optional<Lease> seenInTransaction() {
            return seenInTransaction;
        }

        @Leased("'customer-' + #customerId")
        @Transactional
        public long credit(long customerId, int amount, Lease lease) {
            seen = lease;
            seenInTransaction = SpringTransactionLeases.current("customer-" + customerId);
            jdbc.update("UPDATE " + SpringTestKit.ACCOUNT_TABLE + " SET balance = balance + ? WHERE id = 42", amount);
            return lease.fenceToken().value();
        }

        @Leased(value = "'report-' + #p0", mode = LockMode.PR, waitTimeout = "0s")
        @Transactional
        public int readShared(String report, Lease lease) {
            seen = lease;
            return jdbc.queryForObject(
                    "SELECT balance FROM " + SpringTestKit.ACCOUNT_TABLE + " WHERE id = 42", Integer.class);
        }

        @Leased(value = "'report-' + #p0", waitTimeout = "0s")
        @Transactional
        public int readExclusive(String report, Lease lease) {
            seen = lease;
            return jdbc.queryForObject(
                    "SELECT balance FROM " + SpringTestKit.ACCOUNT_TABLE + " WHERE id = 42", Integer.class);
        }

        @Leased(value = "'job-' + #p0", leaseDuration = "5s", waitTimeout = "PT0S")
        public String work(String job, Lease lease) {
            seen = lease;
            assertEquals(LeaseState.HELD, lease.state());
            return lease.name();
        }
    }

    /** Beans whose @Leased cannot work: each must fail the start-up. */
    public static class BadExpression {
        @Leased("'customer-' + ")
        public void run(long customerId) {}
    }

    public static class UnknownParameter {
        @Leased("'customer-' + #custId")
        public void run(long customerId) {}
    }

    public static class BadDuration {
        @Leased(value = "'x'", leaseDuration = "ten seconds")
        public void run() {}
    }

    @BeforeEach
    void start() throws Exception {
        context = start(null);
    }

    @AfterEach
    void stop() {
        if (context != null) {
            context.close();
        }
    }

    private AnnotationConfigApplicationContext start(Class<?> extraBean) throws Exception {
        SpringTestKit.resetTables(Databases.h2("spring_leased"));
        AnnotationConfigApplicationContext started = new AnnotationConfigApplicationContext();
        started.registerBean("rawDataSource", javax.sql.DataSource.class, () -> Databases.h2("spring_leased"));
        dev.txlease.spi.LeaseStore store = DYNAMO.newStore();
        started.registerBean(dev.txlease.spi.LeaseStore.class, () -> store);
        started.register(SpringTestKit.Application.class);
        started.registerBean(LeasedAnnotationBeanPostProcessor.class);
        started.registerBean(CustomerService.class);
        if (extraBean != null) {
            started.registerBean(extraBean);
        }
        started.refresh();
        return started;
    }

    @Test
    void leasedTransactionalMethodIsFencedWithTheLeaseNamedByItsArguments() {
        CustomerService service = context.getBean(CustomerService.class);
        AccountService accounts = context.getBean(AccountService.class);
        long token = service.credit(42, 10, null);
        assertNotNull(service.seen(), "the Lease parameter is filled in");
        assertEquals("customer-42", service.seen().name());
        assertEquals(Optional.of(service.seen()), service.seenInTransaction());
        assertEquals(token, accounts.guardToken("customer-42"), "the write was fenced with the lease's token");
        assertEquals(LeaseState.RELEASED, service.seen().state(), "released after the commit");
        assertEquals(10, accounts.balance());
    }

    @Test
    void leasedMethodOutsideATransactionReleasesWhenItReturns() {
        CustomerService service = context.getBean(CustomerService.class);
        SpringTransactionalLeaseClient other = context.getBean("holderB", SpringTransactionalLeaseClient.class);
        assertEquals("job-7", service.work("7", null));
        assertEquals(LeaseState.RELEASED, service.seen().state());
        try (Lease held = other.acquire("job-8", SpringTestKit.WAITING)) {
            assertThrows(LeaseTimeoutException.class, () -> service.work("8", null), "waitTimeout 0s does not wait");
            assertTrue(held.isValid());
        }
    }

    @Test
    void protectedReadMethodRunsBesideAnotherProtectedReaderAndTheDefaultModeWaits() {
        CustomerService service = context.getBean(CustomerService.class);
        SpringTransactionalLeaseClient other = context.getBean("holderB", SpringTransactionalLeaseClient.class);
        AcquireOptions protectedRead = AcquireOptions.builder()
                .mode(LockMode.PR)
                .leaseDuration(Duration.ofSeconds(20))
                .build();
        try (Lease held = other.acquire("report-1", protectedRead)) {
            assertEquals(0, service.readShared("1", null), "runs at once although another reader holds report-1");
            Lease shared = service.seen();
            assertEquals(LockMode.PR, shared.mode());
            assertTrue(shared.fenceToken().compareTo(held.fenceToken()) > 0, "a grant of its own, newer token");
            assertEquals(LeaseState.RELEASED, shared.state(), "released after the commit");
            assertTrue(held.isValid(), "the other reader keeps its lease");

            assertThrows(
                    LeaseTimeoutException.class,
                    () -> service.readExclusive("1", null),
                    "mode defaults to EX, which a protected reader excludes");
            assertTrue(held.isValid());
        }
    }

    @Test
    void badExpressionFailsTheStartUpNamingTheMethod() {
        BeanCreationException failure = assertThrows(BeanCreationException.class, () -> start(BadExpression.class));
        assertTrue(failure.getMessage().contains("BadExpression.run()"), failure.getMessage());
        assertTrue(failure.getMessage().contains("does not parse"), failure.getMessage());
    }

    @Test
    void unknownParameterFailsTheStartUpListingTheParameters() {
        BeanCreationException failure = assertThrows(BeanCreationException.class, () -> start(UnknownParameter.class));
        assertTrue(failure.getMessage().contains("#custId is not a parameter"), failure.getMessage());
        assertTrue(failure.getMessage().contains("[customerId]"), failure.getMessage());
    }

    @Test
    void badDurationFailsTheStartUp() {
        BeanCreationException failure = assertThrows(BeanCreationException.class, () -> start(BadDuration.class));
        assertTrue(
                failure.getMessage().contains("leaseDuration 'ten seconds' is not a duration"), failure.getMessage());
        assertFalse(failure.getMessage().isEmpty());
    }
}
