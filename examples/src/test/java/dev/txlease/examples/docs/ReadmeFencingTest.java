package dev.txlease.examples.docs;

import static dev.txlease.examples.docs.ReadmeJtaTest.balance;
import static dev.txlease.examples.docs.ReadmeJtaTest.createAccount;
import static dev.txlease.examples.docs.ReadmeJtaTest.guardToken;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.txlease.AcquireOptions;
import dev.txlease.Lease;
import dev.txlease.client.DefaultLeaseClient;
import dev.txlease.jdbc.FencedDataSource;
import dev.txlease.jdbc.GuardTable;
import dev.txlease.jdbc.LeaseBinding;
import dev.txlease.jdbc.StaleFenceTokenException;
import dev.txlease.jdbc.jdbi.FencingConfig;
import dev.txlease.jdbc.jdbi.FencingPlugin;
import dev.txlease.testing.DynamoDbLocal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.util.UUID;
import org.h2.jdbcx.JdbcDataSource;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.JdbiException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The README's "Fenced writes" code for plain JDBC and Jdbi, run on a fresh H2 database (no guard
 * table until the snippet creates it) with leases from DynamoDB Local.
 */
class ReadmeFencingTest {
    @RegisterExtension
    static final DynamoDbLocal DYNAMO = DynamoDbLocal.embedded();

    @Test
    void plainJdbcSnippetCommitsUnderTheLeaseAndAnOlderTokenIsRejected() throws Exception {
        JdbcDataSource pool = freshH2();
        createAccount(pool);
        try (DefaultLeaseClient leases =
                DefaultLeaseClient.builder(DYNAMO.newStore()).build()) {
            long fence;
            // tag::fencing-jdbc[]
            FencedDataSource fenced = FencedDataSource.builder(pool) // dialect detected; guard table txlease_fence
                    .build();
            fenced.createGuardTable(); // once; or run the DDL (see "Guard table") in a migration

            try (Lease lease = leases.acquire("customer-42", AcquireOptions.defaults());
                    Connection connection = fenced.getConnection(lease)) { // every transaction of it is fenced
                connection.setAutoCommit(false);
                try (PreparedStatement debit =
                        connection.prepareStatement("UPDATE account SET balance = balance - ? WHERE id = ?")) {
                    debit.setLong(1, 30);
                    debit.setString(2, "customer-42");
                    debit.executeUpdate(); // the fence check runs first, in this transaction
                }
                connection.commit();
                // end::fencing-jdbc[]
                fence = lease.fenceToken().value();
                // tag::fencing-jdbc[]
            }
            // end::fencing-jdbc[]
            assertEquals(70, balance(pool));
            assertEquals(fence, guardToken(pool));

            newerHolderWrote(pool);
            try (Lease lease = leases.acquire("customer-42", AcquireOptions.defaults());
                    Connection connection = fenced.getConnection(lease);
                    Statement statement = connection.createStatement()) {
                connection.setAutoCommit(false);
                assertThrows(
                        StaleFenceTokenException.class,
                        () -> statement.executeUpdate("UPDATE account SET balance = 0"));
                connection.rollback();
            }
            assertEquals(70, balance(pool));
        }
    }

    @Test
    void jdbiSnippetCommitsUnderTheLeaseAndAnOlderTokenIsRejected() throws Exception {
        JdbcDataSource dataSource = freshH2();
        createAccount(dataSource);
        try (DefaultLeaseClient leases =
                DefaultLeaseClient.builder(DYNAMO.newStore()).build()) {
            // tag::fencing-jdbi[]
            Jdbi jdbi = Jdbi.create(dataSource);
            jdbi.installPlugin(new FencingPlugin());
            jdbi.getConfig(FencingConfig.class).setGuardTable("txlease_fence"); // .setTransactionRegistry(tsr) for JTA
            GuardTable.named("txlease_fence").createIfAbsent(dataSource); // once; or in a migration

            try (Lease lease = leases.acquire("customer-42", AcquireOptions.defaults());
                    LeaseBinding binding = LeaseBinding.bind(lease)) { // fences this thread's transactions
                jdbi.useTransaction(
                        handle -> handle.createUpdate("UPDATE account SET balance = balance - :amount WHERE id = :id")
                                .bind("amount", 30)
                                .bind("id", "customer-42")
                                .execute());
            }
            // end::fencing-jdbi[]
            assertEquals(70, balance(dataSource));

            newerHolderWrote(dataSource);
            try (Lease lease = leases.acquire("customer-42", AcquireOptions.defaults());
                    LeaseBinding binding = LeaseBinding.bind(lease)) {
                JdbiException rejected = assertThrows(
                        JdbiException.class,
                        () -> jdbi.useTransaction(handle -> handle.execute("UPDATE account SET balance = 0")));
                assertInstanceOf(StaleFenceTokenException.class, rejected.getCause(), rejected.toString());
            }
            assertEquals(70, balance(dataSource));
        }
    }

    private static JdbcDataSource freshH2() {
        JdbcDataSource dataSource = new JdbcDataSource();
        dataSource.setURL("jdbc:h2:mem:readme-fencing-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");
        dataSource.setUser("sa");
        return dataSource;
    }

    /** A newer holder's token lands on the guard row, so the next lease of this client carries an older one. */
    private static void newerHolderWrote(JdbcDataSource dataSource) throws Exception {
        try (Connection connection = dataSource.getConnection();
                Statement statement = connection.createStatement()) {
            statement.executeUpdate("UPDATE txlease_fence SET token = token + 100");
        }
    }
}
