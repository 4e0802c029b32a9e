package dev.txlease.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import dev.txlease.AcquireOptions;
import dev.txlease.Lease;
import dev.txlease.LeaseClient;
import dev.txlease.client.DefaultLeaseClient;
import dev.txlease.dynamodb.DynamoDbLeaseStore;
import dev.txlease.jdbc.FencedDataSource;
import dev.txlease.jta.TransactionalLeaseClient;
import dev.txlease.jta.narayana.NarayanaStandalone;
import dev.txlease.micrometer.LeaseClientMetrics;
import dev.txlease.spi.LeaseStore;
import dev.txlease.spring.LeasedAnnotationBeanPostProcessor;
import dev.txlease.spring.SpringTransactionalLeaseClient;
import dev.txlease.spring.integration.TxleaseLockRegistry;
import dev.txlease.spring.shedlock.TxleaseLockProvider;
import dev.txlease.testing.DynamoDbLocal;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import jakarta.transaction.TransactionManager;
import jakarta.transaction.TransactionSynchronizationRegistry;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import javax.sql.DataSource;
import net.javacrumbs.shedlock.core.LockProvider;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration;
import org.springframework.boot.jdbc.autoconfigure.DataSourceTransactionManagerAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.integration.support.locks.RenewableLockRegistry;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/** The Boot auto-configuration: which beans appear and back off, as properties and classes say. */
class TxleaseAutoConfigurationTest {
    private static final DynamoDbLocal DYNAMO = dev.txlease.spring.SpringTestKitAccess.dynamo();

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(TxleaseAutoConfiguration.class))
            .withBean(
                    "localDynamoDb",
                    DynamoDbClient.class,
                    DYNAMO::client,
                    definition -> definition.setDestroyMethodName(""));

    @Test
    void aMeterRegistryGetsTheLeaseClientsMetrics() {
        String table = DYNAMO.newTableName();
        runner.withPropertyValues("txlease.dynamodb.table=" + table, "txlease.dynamodb.create-table=true")
                .withBean("meterRegistry", MeterRegistry.class, SimpleMeterRegistry::new)
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    assertThat(context).hasSingleBean(LeaseClientMetrics.class);
                    DefaultLeaseClient client = context.getBean(DefaultLeaseClient.class);
                    client.acquire("metered", AcquireOptions.defaults()).close();
                    MeterRegistry registry = context.getBean(MeterRegistry.class);
                    assertThat(registry.get(LeaseClientMetrics.ACQUIRE)
                                    .tag("outcome", "granted")
                                    .timer()
                                    .count())
                            .isEqualTo(1);
                    assertThat(registry.get(LeaseClientMetrics.LEASES_HELD)
                                    .gauge()
                                    .value())
                            .isEqualTo(0.0);
                });
    }

    @Test
    void withoutMicrometerTheClientHasNoMetrics() {
        runner.withPropertyValues(
                        "txlease.dynamodb.table=" + DYNAMO.newTableName(), "txlease.dynamodb.create-table=true")
                .withClassLoader(new FilteredClassLoader(MeterRegistry.class))
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    assertThat(context).doesNotHaveBean(LeaseClientMetrics.class);
                    context.getBean(DefaultLeaseClient.class)
                            .acquire("unmetered", AcquireOptions.defaults())
                            .close();
                });
    }

    @Test
    void leaseBeansOnTheApplicationsDynamoDbClient() {
        String table = DYNAMO.newTableName();
        runner.withPropertyValues(
                        "txlease.dynamodb.table=" + table,
                        "txlease.dynamodb.create-table=true",
                        "txlease.client.node=node-7",
                        "txlease.client.heartbeat-threads=1")
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    assertThat(context).hasSingleBean(DynamoDbClient.class); // the application's, not a second
                    assertThat(context.getBean(DynamoDbLeaseStore.class).tableName())
                            .isEqualTo(table);
                    assertThat(context.getBean(DefaultLeaseClient.class).node()).isEqualTo("node-7");
                    LeaseClient leases = context.getBean(LeaseClient.class);
                    assertThat(leases).isInstanceOf(SpringTransactionalLeaseClient.class);
                    assertThat(context).hasSingleBean(LeasedAnnotationBeanPostProcessor.class);
                    assertThat(context).doesNotHaveBean(FencingDataSourcePostProcessor.class);
                    assertThat(context).hasSingleBean(TxleaseLockProvider.class);
                    assertThat(context).hasSingleBean(TxleaseLockRegistry.class);
                    try (Lease lease = leases.acquire("auto-configured", AcquireOptions.defaults())) {
                        assertThat(lease.fenceToken().value()).isPositive(); // the table was created
                        Health health = context.getBean("txleaseHealthIndicator", HealthIndicator.class)
                                .health();
                        assertThat(health.getStatus()).isEqualTo(Status.UP);
                        assertThat(health.getDetails())
                                .containsEntry("heldLeases", 1)
                                .containsEntry("lostLeases", 0L);
                    }
                });
    }

    @Test
    void applicationBeansWinAndDisabledMeansNothing() {
        LeaseStore own = DYNAMO.newStore();
        runner.withBean("ownStore", LeaseStore.class, () -> own).run(context -> {
            assertThat(context).hasNotFailed();
            assertThat(context).hasSingleBean(LeaseStore.class).doesNotHaveBean("txleaseLeaseStore");
            assertThat(context).doesNotHaveBean("txleaseDynamoDbClient");
            assertThat(context.getBean(DefaultLeaseClient.class).store()).isSameAs(own);
        });
        runner.withPropertyValues("txlease.enabled=false").run(context -> {
            assertThat(context).doesNotHaveBean(DefaultLeaseClient.class);
            assertThat(context).doesNotHaveBean(LeaseClient.class);
            assertThat(context).doesNotHaveBean(LeasedAnnotationBeanPostProcessor.class);
        });
    }

    @Test
    void dynamoDbClientFromPropertiesAndHealthDownWhenTheStoreIsUnreachable() {
        new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(TxleaseAutoConfiguration.class))
                .withPropertyValues("txlease.dynamodb.region=eu-west-3", "txlease.dynamodb.endpoint=http://127.0.0.1:9")
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    DynamoDbClient client = context.getBean(DynamoDbClient.class);
                    assertThat(client.serviceClientConfiguration().region().id())
                            .isEqualTo("eu-west-3");
                    assertThat(client.serviceClientConfiguration().endpointOverride())
                            .contains(URI.create("http://127.0.0.1:9"));
                    Health health = context.getBean("txleaseHealthIndicator", HealthIndicator.class)
                            .health();
                    assertThat(health.getStatus()).isEqualTo(Status.DOWN);
                });
    }

    @Test
    void shedLockAndIntegrationBeansNeedTheirLibraries() {
        runner.withPropertyValues("txlease.dynamodb.table=" + DYNAMO.newTableName())
                .withClassLoader(new FilteredClassLoader(LockProvider.class, RenewableLockRegistry.class))
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    assertThat(context).doesNotHaveBean(TxleaseLockProvider.class);
                    assertThat(context).doesNotHaveBean(TxleaseLockRegistry.class);
                    assertThat(context).hasSingleBean(DefaultLeaseClient.class);
                });
    }

    @Test
    void healthIndicatorBacksOffWithoutBootHealthOrWhenDisabled() {
        runner.withPropertyValues("txlease.dynamodb.table=" + DYNAMO.newTableName())
                .withClassLoader(new FilteredClassLoader(HealthIndicator.class))
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    assertThat(context).doesNotHaveBean("txleaseHealthIndicator");
                    assertThat(context).hasSingleBean(DefaultLeaseClient.class);
                });
        runner.withPropertyValues("management.health.txlease.enabled=false")
                .run(context -> assertThat(context).doesNotHaveBean("txleaseHealthIndicator"));
    }

    @Test
    void fencingWrapsTheApplicationsDataSourceAndFencesSpringTransactions() {
        String table = DYNAMO.newTableName();
        new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(
                        TxleaseAutoConfiguration.class,
                        DataSourceAutoConfiguration.class,
                        DataSourceTransactionManagerAutoConfiguration.class))
                .withBean(
                        "localDynamoDb",
                        DynamoDbClient.class,
                        DYNAMO::client,
                        definition -> definition.setDestroyMethodName(""))
                .withPropertyValues(
                        "spring.datasource.url=jdbc:h2:mem:boot_fencing;DB_CLOSE_DELAY=-1",
                        "txlease.dynamodb.table=" + table,
                        "txlease.dynamodb.create-table=true",
                        "txlease.fencing.enabled=true",
                        "txlease.fencing.guard-table=boot_guard",
                        "txlease.fencing.create-guard-table=true")
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    DataSource dataSource = context.getBean(DataSource.class);
                    assertThat(dataSource).isInstanceOf(FencedDataSource.class);
                    JdbcTemplate jdbc = new JdbcTemplate(dataSource);
                    jdbc.execute("CREATE TABLE IF NOT EXISTS boot_account (id INT PRIMARY KEY, balance INT)");
                    jdbc.update("MERGE INTO boot_account KEY (id) VALUES (1, 0)");
                    LeaseClient leases = context.getBean(LeaseClient.class);
                    TransactionTemplate transactions =
                            new TransactionTemplate(context.getBean(PlatformTransactionManager.class));
                    long token = transactions.execute(status -> {
                        Lease lease = leases.acquire("account-1", AcquireOptions.defaults());
                        jdbc.update("UPDATE boot_account SET balance = balance + 10 WHERE id = 1");
                        return lease.fenceToken().value();
                    });
                    assertThat(jdbc.queryForObject("SELECT token FROM boot_guard WHERE name = 'account-1'", Long.class))
                            .isEqualTo(token);
                    assertThat(leases.inspect("account-1").orElseThrow().isReleased())
                            .isTrue();
                });
    }

    @Test
    void underJtaThePrimaryLeaseClientEnlistsInJtaTransactions() {
        NarayanaStandalone.configure(Path.of("target", "narayana-spring"), "txlease-spring-test");
        TransactionManager tm = NarayanaStandalone.transactionManager();
        runner.withPropertyValues(
                        "txlease.dynamodb.table=" + DYNAMO.newTableName(), "txlease.dynamodb.create-table=true")
                .withBean(TransactionManager.class, () -> tm)
                .withBean(TransactionSynchronizationRegistry.class, NarayanaStandalone::registry)
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    assertThat(context).doesNotHaveBean(SpringTransactionalLeaseClient.class);
                    LeaseClient leases = context.getBean(LeaseClient.class);
                    assertThat(leases).isInstanceOf(TransactionalLeaseClient.class);
                    tm.begin();
                    Lease lease = leases.acquire("jta-account", AcquireOptions.defaults());
                    lease.close(); // deferred to the end of the transaction
                    assertThat(leases.inspect("jta-account").orElseThrow().isReleased())
                            .isFalse();
                    tm.commit();
                    assertThat(leases.inspect("jta-account").orElseThrow().isReleased())
                            .isTrue();
                });
    }

    @Test
    void configurationPropertiesMetadataIsGenerated() throws Exception {
        try (InputStream metadata = getClass().getResourceAsStream("/META-INF/spring-configuration-metadata.json")) {
            assertThat(metadata).isNotNull();
            String json = new String(metadata.readAllBytes(), StandardCharsets.UTF_8);
            assertThat(json)
                    .contains("\"txlease.dynamodb.endpoint\"", "\"txlease.fencing.enabled\"", "\"txlease.client.node\"")
                    .contains("\"txlease.fencing.fenced-reads\"")
                    .contains("Whether to wrap the application's DataSource beans in a FencedDataSource");
        }
    }
}
