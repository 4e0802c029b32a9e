package dev.txlease.examples.docs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.arjuna.ats.arjuna.common.recoveryPropertyManager;
import com.arjuna.ats.arjuna.recovery.RecoveryManager;
import com.arjuna.ats.internal.jta.recovery.arjunacore.XARecoveryModule;
import dev.txlease.AcquireOptions;
import dev.txlease.Lease;
import dev.txlease.LeaseInfo;
import dev.txlease.client.DefaultLeaseClient;
import dev.txlease.dynamodb.DynamoDbLeaseStore;
import dev.txlease.jdbc.FencedDataSource;
import dev.txlease.jdbc.StaleFenceTokenException;
import dev.txlease.jta.TransactionalLeaseClient;
import dev.txlease.jta.narayana.LeaseRecoveryHelper;
import dev.txlease.jta.narayana.NarayanaStandalone;
import dev.txlease.testing.DynamoDbLocal;
import io.agroal.api.AgroalDataSource;
import io.agroal.api.configuration.supplier.AgroalDataSourceConfigurationSupplier;
import io.agroal.api.security.NamePrincipal;
import io.agroal.narayana.NarayanaTransactionIntegration;
import jakarta.transaction.RollbackException;
import jakarta.transaction.TransactionManager;
import jakarta.transaction.TransactionSynchronizationRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.UUID;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The README's JTA code ("Leases in JTA transactions", "Crash recovery", "Fenced writes: JTA"), run
 * on standalone Narayana, DynamoDB Local and H2 as an XA database behind Agroal. Narayana is
 * configured once per JVM: the examples module runs each test class in its own JVM.
 */
class ReadmeJtaTest {
    @RegisterExtension
    static final DynamoDbLocal DYNAMO = DynamoDbLocal.embedded();

    @Test
    void jtaSnippetReleasesTheLeaseAfterCommit() throws Exception {
        DynamoDbLeaseStore store = DYNAMO.newStore();
        // tag::jta-transaction[]
        // plain Java: one object store and one node identity for Narayana and the lease client
        NarayanaStandalone.configure(Path.of("target", "ObjectStore"), "orders-1");
        TransactionManager tm = NarayanaStandalone.transactionManager();
        TransactionSynchronizationRegistry tsr = NarayanaStandalone.registry();
        DefaultLeaseClient client =
                DefaultLeaseClient.builder(store).node("orders-1").build();
        TransactionalLeaseClient leases =
                TransactionalLeaseClient.builder(client, tm).registry(tsr).build();

        tm.begin();
        Lease lease = leases.acquire("customer-42", AcquireOptions.defaults());
        // write through the fenced DataSource: it reads the lease's fence token from the registry
        tm.commit(); // prepare checks the lease in DynamoDB; released after every branch has committed
        // end::jta-transaction[]
        try (leases) {
            assertTrue(Files.isDirectory(Path.of("target", "ObjectStore")), "the object store is under target/");
            LeaseInfo info = client.inspect("customer-42").orElseThrow();
            assertTrue(info.isReleased(), info.toString());
            assertEquals(lease.fenceToken(), info.fenceToken());
        }
    }

    @Test
    void recoverySnippetRegistersTheHelperWithNarayanasRecoveryManager() {
        DynamoDbLeaseStore store = DYNAMO.newStore();
        NarayanaStandalone.configure(Path.of("target", "ObjectStore"), "orders-1");
        // No listener socket on a fixed port in tests (Narayana's default is 4712).
        recoveryPropertyManager.getRecoveryEnvironmentBean().setRecoveryListener(false);
        recoveryPropertyManager.getRecoveryEnvironmentBean().setRecoveryBackoffPeriod(1); // not 10 s per pass
        try (DefaultLeaseClient client =
                DefaultLeaseClient.builder(store).node("orders-1").build()) {
            // tag::jta-recovery[]
            // The first call of getRegisteredXARecoveryModule() starts Narayana's recovery manager (and its
            // periodic recovery thread) if it is not running yet.
            XARecoveryModule.getRegisteredXARecoveryModule()
                    .addXAResourceRecoveryHelper(LeaseRecoveryHelper.of(client));
            // end::jta-recovery[]
            assertNotNull(XARecoveryModule.getRegisteredXARecoveryModule());
            RecoveryManager.manager().scan(); // a pass with the helper registered completes
        } finally {
            RecoveryManager.manager().terminate();
        }
    }

    @Test
    void fencedJtaSnippetCommitsTheWriteAndTheGuardRejectsAnOlderToken() throws Exception {
        DynamoDbLeaseStore store = DYNAMO.newStore();
        NarayanaStandalone.configure(Path.of("target", "ObjectStore"), "orders-1");
        TransactionManager tm = NarayanaStandalone.transactionManager();
        TransactionSynchronizationRegistry tsr = NarayanaStandalone.registry();
        String url = "jdbc:h2:mem:readme-jta-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1";
        try (DefaultLeaseClient client = DefaultLeaseClient.builder(store).build();
                AgroalDataSource agroalPool = xaPool(url, tm, tsr)) {
            createAccount(agroalPool);
            // tag::fencing-jta[]
            TransactionalLeaseClient leases =
                    TransactionalLeaseClient.builder(client, tm).registry(tsr).build();
            FencedDataSource fenced = FencedDataSource.builder(agroalPool) // the pool that enlists connections
                    .transactionRegistry(tsr)
                    .build();
            fenced.createGuardTable(); // once; or run the DDL (see "Guard table") in a migration

            tm.begin();
            Lease lease = leases.acquire("customer-42", AcquireOptions.defaults()); // joins the transaction
            try (Connection connection = fenced.getConnection();
                    PreparedStatement debit =
                            connection.prepareStatement("UPDATE account SET balance = balance - ? WHERE id = ?")) {
                debit.setLong(1, 30);
                debit.setString(2, "customer-42");
                debit.executeUpdate(); // the fence check runs first, in the same transaction
            }
            tm.commit(); // the lease is released after commit
            // end::fencing-jta[]
            assertEquals(70, balance(agroalPool));
            assertEquals(lease.fenceToken().value(), guardToken(agroalPool));

            // A newer holder's token on the guard row: the next transaction carries an older one.
            try (Connection connection = agroalPool.getConnection();
                    Statement statement = connection.createStatement()) {
                statement.executeUpdate("UPDATE txlease_fence SET token = token + 100");
            }
            tm.begin();
            leases.acquire("customer-42", AcquireOptions.defaults());
            try (Connection connection = fenced.getConnection();
                    Statement statement = connection.createStatement()) {
                SQLException rejected = assertThrows(
                        SQLException.class, () -> statement.executeUpdate("UPDATE account SET balance = 0"));
                assertTrue(rejected instanceof StaleFenceTokenException, rejected.toString());
            }
            assertThrows(RollbackException.class, tm::commit);
            assertEquals(70, balance(agroalPool));
            leases.close();
        }
    }

    private static AgroalDataSource xaPool(
            String url, TransactionManager transactionManager, TransactionSynchronizationRegistry registry)
            throws SQLException {
        return AgroalDataSource.from(
                new AgroalDataSourceConfigurationSupplier().connectionPoolConfiguration(pool -> pool.initialSize(0)
                        .maxSize(4)
                        .acquisitionTimeout(Duration.ofSeconds(30))
                        .transactionIntegration(new NarayanaTransactionIntegration(transactionManager, registry))
                        .connectionFactoryConfiguration(factory -> factory.jdbcUrl(url)
                                .connectionProviderClass(JdbcDataSource.class)
                                .principal(new NamePrincipal("sa")))));
    }

    static void createAccount(javax.sql.DataSource dataSource) throws SQLException {
        try (Connection connection = dataSource.getConnection();
                Statement statement = connection.createStatement()) {
            statement.execute("CREATE TABLE account (id VARCHAR(64) PRIMARY KEY, balance BIGINT NOT NULL)");
            statement.execute("INSERT INTO account VALUES ('customer-42', 100)");
        }
    }

    static long balance(javax.sql.DataSource dataSource) throws SQLException {
        return single(dataSource, "SELECT balance FROM account WHERE id = 'customer-42'");
    }

    static long guardToken(javax.sql.DataSource dataSource) throws SQLException {
        return single(dataSource, "SELECT token FROM txlease_fence WHERE name = 'customer-42'");
    }

    private static long single(javax.sql.DataSource dataSource, String query) throws SQLException {
        try (Connection connection = dataSource.getConnection();
                Statement statement = connection.createStatement();
                ResultSet rows = statement.executeQuery(query)) {
            assertTrue(rows.next(), query);
            return rows.getLong(1);
        }
    }
}
