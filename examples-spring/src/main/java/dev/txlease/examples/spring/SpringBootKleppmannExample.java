package dev.txlease.examples.spring;

import com.amazonaws.services.dynamodbv2.local.embedded.DynamoDBEmbedded;
import com.amazonaws.services.dynamodbv2.local.shared.access.AmazonDynamoDBLocal;
import dev.txlease.jdbc.StaleFenceTokenException;
import java.io.PrintStream;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.jdbc.core.JdbcTemplate;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * The Kleppmann scenario in a Spring Boot application, wired by txlease's auto-configuration
 * ({@code application.properties}): {@code @Leased} + {@code @Transactional} service methods on a
 * {@code DataSourceTransactionManager} over H2, leases on DynamoDB Local in-process.
 *
 * <ol>
 *   <li>Worker A withdraws: it takes {@code account-42} (fence n) and stalls past its lease.
 *   <li>Worker B deposits 50: it takes the lease over (fence n+1), writes and commits; the lease is
 *       released after the commit.
 *   <li>A wakes and writes: the database rejects it (fence n is older than n+1); A rolls back.
 * </ol>
 *
 * <p>Run: {@code mvn -B -q -pl examples-spring -am package exec:java -DskipTests}. Exits 0 when the
 * stale write was rejected and the balance is 150.
 */
@SpringBootConfiguration
@EnableAutoConfiguration
@Import(AccountService.class)
public class SpringBootKleppmannExample {

    /** What happened. */
    record Outcome(long fenceB, boolean staleWriteRejected, long balance) {
        boolean isSafe() {
            return staleWriteRejected && balance == 150;
        }
    }

    /** DynamoDB Local in this JVM: the auto-configuration uses this client instead of building one. */
    @Bean(destroyMethod = "")
    DynamoDbClient dynamoDbClient(AmazonDynamoDBLocal dynamoDbLocal) {
        return dynamoDbLocal.dynamoDbClient();
    }

    @Bean(destroyMethod = "shutdown")
    AmazonDynamoDBLocal dynamoDbLocal() {
        return DynamoDBEmbedded.create(true); // true: no telemetry
    }

    public static void main(String[] args) {
        boolean safe;
        try {
            safe = run(args, System.out).isSafe();
        } catch (Exception e) {
            e.printStackTrace();
            safe = false;
        }
        System.exit(safe ? 0 : 1);
    }

    static Outcome run(String[] args, PrintStream out) throws Exception {
        SpringApplication application = new SpringApplication(SpringBootKleppmannExample.class);
        application.setLogStartupInfo(false);
        try (ConfigurableApplicationContext context = application.run(args)) {
            JdbcTemplate jdbc = new JdbcTemplate(context.getBean(javax.sql.DataSource.class));
            jdbc.execute("CREATE TABLE IF NOT EXISTS account (id BIGINT PRIMARY KEY, balance BIGINT NOT NULL)");
            jdbc.update("MERGE INTO account KEY (id) VALUES (42, 100)");
            AccountService accounts = context.getBean(AccountService.class);
            out.println("balance 100; worker A withdraws 30 but stalls, worker B deposits 50");

            CountDownLatch acquired = new CountDownLatch(1);
            CountDownLatch pause = new CountDownLatch(1);
            CompletableFuture<Long> workerA = CompletableFuture.supplyAsync(() -> {
                try {
                    return accounts.withdrawAfterPause(42, 30, acquired, pause, null);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException(e);
                }
            });
            if (!acquired.await(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException("worker A never got its lease");
            }
            long fenceB = accounts.deposit(42, 50, null); // waits for A's lease to run out, takes it over
            out.println("worker B took the lease over (fence " + fenceB + "), deposited 50 and committed");
            pause.countDown();

            boolean rejected = false;
            try {
                workerA.get(30, TimeUnit.SECONDS);
                out.println("UNSAFE: worker A's stale write was accepted");
            } catch (ExecutionException e) {
                rejected = causedByStaleToken(e);
                out.println(
                        rejected
                                ? "SAFE: the database refused worker A's write with its old fence token"
                                : "worker A failed otherwise: " + e.getCause());
            }
            long balance = accounts.balance(42);
            out.println("balance " + balance + " (expected 150)");
            return new Outcome(fenceB, rejected, balance);
        }
    }

    private static boolean causedByStaleToken(Throwable thrown) {
        for (Throwable cause = thrown; cause != null; cause = cause.getCause()) {
            if (cause instanceof StaleFenceTokenException) {
                return true;
            }
        }
        return false;
    }
}
