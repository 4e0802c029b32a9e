package dev.txlease.spring.boot;

import dev.txlease.LeaseClient;
import dev.txlease.client.DefaultLeaseClient;
import dev.txlease.client.LeaseClientObserver;
import dev.txlease.dynamodb.DynamoDbLeaseStore;
import dev.txlease.jta.TransactionalLeaseClient;
import dev.txlease.micrometer.LeaseClientMetrics;
import dev.txlease.spi.LeaseStore;
import dev.txlease.spring.LeasedAnnotationBeanPostProcessor;
import dev.txlease.spring.SpringTransactionalLeaseClient;
import dev.txlease.spring.integration.TxleaseLockRegistry;
import dev.txlease.spring.shedlock.TxleaseLockProvider;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.transaction.TransactionManager;
import jakarta.transaction.TransactionSynchronizationRegistry;
import net.javacrumbs.shedlock.core.LockProvider;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Primary;
import org.springframework.context.annotation.Role;
import org.springframework.core.env.Environment;
import org.springframework.integration.support.locks.LockRegistry;
import org.springframework.integration.support.locks.RenewableLockRegistry;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.DynamoDbClientBuilder;

/**
 * Auto-configures txlease from {@code txlease.*} properties ({@link TxleaseProperties}): each bean
 * backs off when the application declares its own.
 *
 * <ul>
 *   <li>a {@link DynamoDbClient} ({@code txlease.dynamodb.region}, {@code .endpoint}) and a {@link
 *       DynamoDbLeaseStore} on {@code txlease.dynamodb.table}, created when {@code
 *       txlease.dynamodb.create-table=true};
 *   <li>a {@link DefaultLeaseClient} ({@code txlease.client.node}, {@code .heartbeat-threads});
 *   <li>the primary {@link LeaseClient}: a {@link TransactionalLeaseClient} (XA) when the context has
 *       a JTA {@link TransactionManager} and {@link TransactionSynchronizationRegistry}, otherwise a
 *       {@link SpringTransactionalLeaseClient} whose leases join Spring-managed transactions;
 *   <li>{@link LeasedAnnotationBeanPostProcessor} for {@code @Leased} methods;
 *   <li>with {@code txlease.fencing.enabled=true}, every {@code DataSource} bean wrapped in a
 *       {@code FencedDataSource} ({@code txlease.fencing.guard-table}, {@code
 *       .create-guard-table}, {@code .fenced-reads});
 *   <li>a ShedLock {@link TxleaseLockProvider} and a Spring Integration {@link TxleaseLockRegistry}
 *       ({@code txlease.integration.lock-ttl}) when those libraries are present;
 *   <li>a health indicator named {@code txlease} when Boot's health support is present;
 *   <li>{@code LeaseClientMetrics} (txlease-micrometer) observing the client and bound to the
 *       application's {@code MeterRegistry}, when Micrometer and txlease-micrometer are present and
 *       the application declares no {@link LeaseClientObserver}.
 * </ul>
 *
 * <p>Off with {@code txlease.enabled=false}.
 */
@AutoConfiguration
@ConditionalOnClass({LeaseClient.class, DynamoDbClient.class})
@ConditionalOnProperty(prefix = "txlease", name = "enabled", havingValue = "true", matchIfMissing = true)
@EnableConfigurationProperties(TxleaseProperties.class)
public class TxleaseAutoConfiguration {

    /** Creates the auto-configuration. */
    public TxleaseAutoConfiguration() {}

    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean({LeaseStore.class, DynamoDbClient.class})
    DynamoDbClient txleaseDynamoDbClient(TxleaseProperties properties) {
        DynamoDbClientBuilder builder = DynamoDbClient.builder().httpClientBuilder(UrlConnectionHttpClient.builder());
        TxleaseProperties.DynamoDb dynamodb = properties.getDynamodb();
        if (dynamodb.getRegion() != null) {
            builder.region(Region.of(dynamodb.getRegion()));
        }
        if (dynamodb.getEndpoint() != null) {
            builder.endpointOverride(dynamodb.getEndpoint());
        }
        return builder.build();
    }

    @Bean
    @ConditionalOnMissingBean(LeaseStore.class)
    DynamoDbLeaseStore txleaseLeaseStore(DynamoDbClient dynamoDbClient, TxleaseProperties properties) {
        DynamoDbLeaseStore store = DynamoDbLeaseStore.builder(dynamoDbClient)
                .tableName(properties.getDynamodb().getTable())
                .build();
        if (properties.getDynamodb().isCreateTable()) {
            store.createTableIfMissing();
        }
        return store;
    }

    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean(DefaultLeaseClient.class)
    DefaultLeaseClient txleaseDefaultLeaseClient(
            LeaseStore store, TxleaseProperties properties, ObjectProvider<LeaseClientObserver> observer) {
        DefaultLeaseClient.Builder builder = DefaultLeaseClient.builder(store)
                .heartbeatThreads(properties.getClient().getHeartbeatThreads());
        observer.ifUnique(builder::observer);
        if (properties.getClient().getNode() != null) {
            builder.node(properties.getClient().getNode());
        }
        return builder.build();
    }

    @Bean
    @ConditionalOnMissingBean(LeasedAnnotationBeanPostProcessor.class)
    @Role(BeanDefinition.ROLE_INFRASTRUCTURE)
    static LeasedAnnotationBeanPostProcessor leasedAnnotationBeanPostProcessor() {
        return new LeasedAnnotationBeanPostProcessor();
    }

    @Bean
    @ConditionalOnProperty(prefix = "txlease.fencing", name = "enabled", havingValue = "true")
    @ConditionalOnMissingBean(FencingDataSourcePostProcessor.class)
    @Role(BeanDefinition.ROLE_INFRASTRUCTURE)
    static FencingDataSourcePostProcessor txleaseFencingDataSourcePostProcessor(Environment environment) {
        // Bound here rather than injected: a post-processor is created before the properties bean.
        TxleaseProperties.Fencing fencing = Binder.get(environment)
                .bind("txlease.fencing", TxleaseProperties.Fencing.class)
                .orElseGet(TxleaseProperties.Fencing::new);
        return new FencingDataSourcePostProcessor(fencing);
    }

    /** The primary lease client under a JTA transaction manager: leases enlisted as XA resources. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnBean({TransactionManager.class, TransactionSynchronizationRegistry.class})
    static class JtaLeaseClientConfiguration {
        // Not closed here: closing it would close the DefaultLeaseClient bean, which has its own destroy.
        @Bean(destroyMethod = "")
        @Primary
        @ConditionalOnMissingBean(TransactionalLeaseClient.class)
        TransactionalLeaseClient txleaseLeaseClient(
                DefaultLeaseClient client,
                TransactionManager transactionManager,
                TransactionSynchronizationRegistry registry) {
            return TransactionalLeaseClient.builder(client, transactionManager)
                    .registry(registry)
                    .build();
        }
    }

    /** The primary lease client otherwise: leases bound to Spring-managed transactions. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnMissingBean(TransactionSynchronizationRegistry.class)
    static class SpringLeaseClientConfiguration {
        @Bean(destroyMethod = "")
        @Primary
        @ConditionalOnMissingBean(SpringTransactionalLeaseClient.class)
        SpringTransactionalLeaseClient txleaseLeaseClient(DefaultLeaseClient client) {
            return new SpringTransactionalLeaseClient(client);
        }
    }

    /** A ShedLock lock provider, when ShedLock is on the class path and the application has none. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(LockProvider.class)
    static class ShedLockConfiguration {
        @Bean(destroyMethod = "close")
        @ConditionalOnMissingBean(LockProvider.class)
        TxleaseLockProvider txleaseLockProvider(LeaseClient leaseClient) {
            return new TxleaseLockProvider(leaseClient);
        }
    }

    /** A Spring Integration lock registry, when Spring Integration is on the class path and the application has none. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(RenewableLockRegistry.class)
    static class IntegrationConfiguration {
        @Bean(destroyMethod = "close")
        @ConditionalOnMissingBean(LockRegistry.class)
        TxleaseLockRegistry txleaseLockRegistry(LeaseClient leaseClient, TxleaseProperties properties) {
            return new TxleaseLockRegistry(
                    leaseClient, properties.getIntegration().getLockTtl());
        }
    }

    /**
     * The lease client's metrics, when Micrometer and txlease-micrometer are on the class path: the
     * {@link LeaseClientMetrics} bean observes the client, and is bound to the application's {@link
     * MeterRegistry} (the primary or only one) once every singleton exists; Boot's metrics support
     * binds it too, which counts once.
     */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass({MeterRegistry.class, LeaseClientMetrics.class})
    static class MetricsConfiguration {
        @Bean
        @ConditionalOnMissingBean(LeaseClientObserver.class)
        LeaseClientMetrics txleaseLeaseClientMetrics() {
            return new LeaseClientMetrics();
        }

        @Bean
        static SmartInitializingSingleton txleaseLeaseClientMetricsBinder(
                ObjectProvider<LeaseClientMetrics> metrics, ObjectProvider<MeterRegistry> registry) {
            return () -> metrics.ifUnique(unique -> registry.ifUnique(unique::bindTo));
        }
    }

    /** The {@code txlease} health indicator. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(HealthIndicator.class)
    @ConditionalOnEnabledHealthIndicator("txlease")
    static class HealthConfiguration {
        @Bean
        @ConditionalOnMissingBean(name = "txleaseHealthIndicator")
        TxleaseHealthIndicator txleaseHealthIndicator(DefaultLeaseClient client, LeaseClient leaseClient) {
            return new TxleaseHealthIndicator(client, leaseClient);
        }
    }
}
