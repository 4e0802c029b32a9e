package dev.txlease.bench;

import com.amazonaws.services.dynamodbv2.local.main.ServerRunner;
import com.amazonaws.services.dynamodbv2.local.server.DynamoDBProxyServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * DynamoDB Local as an HTTP server on a free loopback port of this JVM (in memory, shared database),
 * and SDK clients for it: every call of either lock library is a real HTTP request.
 *
 * <p>Both libraries get clients made by {@link #newClient}, identical but for the interceptor that
 * counts their requests: the same HTTP client type ({@code UrlConnectionHttpClient}), region,
 * credentials, timeouts and the SDK's default retry strategy.
 *
 * <p>Thread-safe.
 */
final class LoopbackDynamoDb implements AutoCloseable {
    /** Per attempt: generous, the machine may be busy; nothing in the bench should come close. */
    private static final Duration ATTEMPT_TIMEOUT = Duration.ofSeconds(10);

    private static final Duration WARM_UP_TIMEOUT = Duration.ofSeconds(60);

    private static final String BACKGROUND_JOBS_PACKAGE = "com.amazonaws.services.dynamodbv2.local.shared.jobs.";

    static {
        // The JDK keeps at most 5 idle HTTP connections per destination by default; the bench runs
        // more concurrent callers than that (both clients, heartbeat threads), and a connection that
        // is not kept costs a TCP handshake. Same setting for both libraries.
        if (System.getProperty("http.maxConnections") == null) {
            System.setProperty("http.maxConnections", "64");
        }
    }

    private final DynamoDBProxyServer server;
    private final URI endpoint;
    private final Set<Thread> threadsBefore;
    private final List<DynamoDbClient> clients = new ArrayList<>(); // guarded by this
    private final RequestLatency latency = new RequestLatency();

    private LoopbackDynamoDb(DynamoDBProxyServer server, URI endpoint, Set<Thread> threadsBefore) {
        this.server = server;
        this.endpoint = endpoint;
        this.threadsBefore = threadsBefore;
    }

    /** Starts DynamoDB Local on a free loopback port and waits until it answers. */
    static LoopbackDynamoDb start() {
        Set<Thread> threadsBefore = Set.copyOf(Thread.getAllStackTraces().keySet());
        int port = freeLoopbackPort();
        String[] args = {"-inMemory", "-sharedDb", "-port", Integer.toString(port), "-disableTelemetry"};
        DynamoDBProxyServer server;
        try {
            server = ServerRunner.createServerFromCommandLineArgs(args);
            server.start();
        } catch (Exception e) {
            throw new IllegalStateException("could not start DynamoDB Local on loopback port " + port, e);
        }
        LoopbackDynamoDb dynamo = new LoopbackDynamoDb(server, URI.create("http://127.0.0.1:" + port), threadsBefore);
        try (DynamoDbClient warmUp = dynamo.buildClient(List.of())) {
            // The first request loads much of DynamoDB Local: give it time, once.
            warmUp.listTables(request -> request.overrideConfiguration(
                    call -> call.apiCallTimeout(WARM_UP_TIMEOUT).apiCallAttemptTimeout(WARM_UP_TIMEOUT)));
        } catch (RuntimeException e) {
            dynamo.close();
            throw e;
        }
        return dynamo;
    }

    /** Returns the server's endpoint. */
    URI endpoint() {
        return endpoint;
    }

    /** Returns the latency added to every request of the clients made by {@link #newClient}. */
    RequestLatency latency() {
        return latency;
    }

    /**
     * Returns a new SDK client for the server with {@code interceptors} and the {@link #latency()}
     * installed; {@link #close()} closes it.
     */
    synchronized DynamoDbClient newClient(ExecutionInterceptor... interceptors) {
        List<ExecutionInterceptor> all = new ArrayList<>(List.of(interceptors));
        all.add(latency);
        DynamoDbClient client = buildClient(all);
        clients.add(client);
        return client;
    }

    private DynamoDbClient buildClient(List<ExecutionInterceptor> interceptors) {
        return DynamoDbClient.builder()
                .endpointOverride(endpoint)
                .region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("bench", "bench")))
                .httpClientBuilder(UrlConnectionHttpClient.builder()
                        .connectionTimeout(ATTEMPT_TIMEOUT)
                        .socketTimeout(WARM_UP_TIMEOUT))
                .overrideConfiguration(configuration -> {
                    configuration.apiCallAttemptTimeout(ATTEMPT_TIMEOUT);
                    interceptors.forEach(configuration::addExecutionInterceptor);
                })
                .build();
    }

    /** Closes the clients and stops the server. */
    @Override
    public synchronized void close() {
        clients.forEach(DynamoDbClient::close);
        clients.clear();
        try {
            server.stop();
        } catch (Exception e) {
            throw new IllegalStateException("could not stop DynamoDB Local at " + endpoint, e);
        }
        stopBackgroundJobs();
    }

    /**
     * Interrupts the background job threads this server started. Stopping DynamoDB Local only asks its
     * job scheduler to end after its current sleep, which lasts minutes, and its threads are not
     * daemons: {@code exec:java} would wait for them before Maven exits. An interrupted sleep ends the
     * job (it throws), and the pool, already shut down, then lets the thread end.
     */
    private void stopBackgroundJobs() {
        Thread.getAllStackTraces().forEach((thread, stack) -> {
            if (!threadsBefore.contains(thread) && !thread.isDaemon() && runsBackgroundJob(stack)) {
                thread.interrupt();
            }
        });
    }

    private static boolean runsBackgroundJob(StackTraceElement[] stack) {
        for (StackTraceElement frame : stack) {
            if (frame.getClassName().startsWith(BACKGROUND_JOBS_PACKAGE)) {
                return true;
            }
        }
        return false;
    }

    private static int freeLoopbackPort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("could not find a free loopback port for DynamoDB Local", e);
        }
    }
}
