package dev.txlease.testing;

import com.amazonaws.services.dynamodbv2.local.embedded.DynamoDBEmbedded;
import com.amazonaws.services.dynamodbv2.local.main.ServerRunner;
import com.amazonaws.services.dynamodbv2.local.server.DynamoDBProxyServer;
import com.amazonaws.services.dynamodbv2.local.shared.access.AmazonDynamoDBLocal;
import dev.txlease.dynamodb.DynamoDbLeaseStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.DynamoDbServiceClientConfiguration;

/**
 * DynamoDB Local for tests, as a JUnit 5 extension: register it in a static field,
 *
 * <pre>
 * &#64;RegisterExtension static final DynamoDbLocal dynamo = DynamoDbLocal.embedded(); // or server()
 * </pre>
 *
 * and it starts before the class's first test and stops after its last. Before each test it resets
 * {@link #requests()} and {@link #faults()} and restarts a server that a test stopped.
 *
 * <ul>
 *   <li>{@link #embedded()} runs DynamoDB Local in this JVM without HTTP; {@link #client()} is a
 *       wrapper over its client that feeds the {@link RequestCounter} and {@link FaultInjector}
 *       (it has no SDK pipeline: no retries, no timeouts).
 *   <li>{@link #server()} runs the DynamoDB Local HTTP server in this JVM on a free port behind an
 *       {@link HttpFaultProxy} on another free port, and {@link #client()} is a real SDK client
 *       ({@code UrlConnectionHttpClient}, us-east-1, dummy credentials) to the proxy with the SDK's
 *       <b>default retry strategy</b> ({@link #maxAttempts()} attempts per call, with backoff), an
 *       {@link #ATTEMPT_TIMEOUT} and a {@link #CALL_TIMEOUT}. The faults act on the wire, so the
 *       SDK's retries see them; {@link #requests()} counts what reached DynamoDB Local. {@link
 *       #stopServer()} and {@link #startServer()} simulate an outage (the proxy then closes every
 *       connection unanswered); the server keeps its data across them, in a SQLite file ({@code
 *       -dbPath} under {@code target/}, {@code -sharedDb}) deleted when the extension stops.
 * </ul>
 *
 * <p>Telemetry is off: {@code DynamoDBEmbedded.create(true)} and {@code -disableTelemetry}.
 *
 * <p>Thread-safe; tests that share one instance share its counters and faults.
 */
public final class DynamoDbLocal implements BeforeAllCallback, BeforeEachCallback, AfterAllCallback, AutoCloseable {
    /**
     * The server client's timeout per attempt. A stopped server refuses connections at once, so an
     * outage is seen in milliseconds whatever this is; it only bounds a hung server. It is generous
     * because an attempt that times out after it landed is retried and turns a grant into a conflict,
     * and on a loaded build machine under the coverage agent a first 350 KB write took over a second.
     */
    public static final Duration ATTEMPT_TIMEOUT = Duration.ofSeconds(5);

    /** The server client's timeout per call, retries included. */
    public static final Duration CALL_TIMEOUT = Duration.ofSeconds(12);

    /**
     * The attempts per call of the SDK's default retry strategy for DynamoDB (legacy mode: 8 retries),
     * which the server client keeps.
     */
    private static final int DEFAULT_MAX_ATTEMPTS = 9;

    private static final Duration WARM_UP_TIMEOUT = Duration.ofSeconds(60);
    private static final AtomicInteger INSTANCES = new AtomicInteger();

    private final boolean server;
    private final int instance = INSTANCES.incrementAndGet();
    private final AtomicInteger tables = new AtomicInteger();
    private final RequestCounter requests = new RequestCounter();
    private final FaultInjector faults = new FaultInjector();

    private AmazonDynamoDBLocal embedded; // guarded by this
    private DynamoDBProxyServer proxyServer; // guarded by this; null while stopped
    private HttpFaultProxy faultProxy; // guarded by this; server mode, null until started
    private volatile int port; // written under this
    private Path dbPath; // guarded by this
    private DynamoDbClient client; // guarded by this; null until started

    private DynamoDbLocal(boolean server) {
        this.server = server;
    }

    /** Returns an extension that runs DynamoDB Local embedded in this JVM, without HTTP. */
    public static DynamoDbLocal embedded() {
        return new DynamoDbLocal(false);
    }

    /** Returns an extension that runs the DynamoDB Local HTTP server in this JVM. */
    public static DynamoDbLocal server() {
        return new DynamoDbLocal(true);
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        start();
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        start();
        if (server) {
            startServer();
        }
        faults.reset();
        requests.reset();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        close();
    }

    /** Starts DynamoDB Local and the client, unless started. */
    public synchronized void start() {
        if (client != null) {
            return;
        }
        if (server) {
            try {
                dbPath = createDbDirectory();
                startOnFreePort();
                faultProxy = HttpFaultProxy.start(this::serverPort, faults, requests);
                client = serverClient();
                // The first request loads much of DynamoDB Local: give it time, once.
                client.listTables(request -> request.overrideConfiguration(
                        call -> call.apiCallTimeout(WARM_UP_TIMEOUT).apiCallAttemptTimeout(WARM_UP_TIMEOUT)));
            } catch (RuntimeException e) {
                try {
                    close();
                } catch (RuntimeException cleanup) {
                    e.addSuppressed(cleanup);
                }
                throw e;
            }
        } else {
            embedded = DynamoDBEmbedded.create(true); // true disables telemetry
            client = EmbeddedClientProxy.wrap(
                    embedded.dynamoDbClient(),
                    DynamoDbServiceClientConfiguration.builder()
                            .region(Region.US_EAST_1)
                            .endpointOverride(URI.create("embedded://dynamodb-local-" + instance))
                            .build(),
                    requests,
                    faults);
        }
        requests.reset();
    }

    /** Returns whether this runs the HTTP server (rather than embedded). */
    public boolean isServer() {
        return server;
    }

    /** Returns the client, with the {@link #requests()} counter and {@link #faults()} installed. */
    public synchronized DynamoDbClient client() {
        if (client == null) {
            throw new IllegalStateException("DynamoDbLocal is not started: register it with @RegisterExtension"
                    + " in a static field, or call start()");
        }
        return client;
    }

    /** Returns the counter of the requests {@link #client()} sends. */
    public RequestCounter requests() {
        return requests;
    }

    /** Returns the fault injector of {@link #client()}. */
    public FaultInjector faults() {
        return faults;
    }

    /**
     * Returns the SDK's attempts per call of {@link #client()}: its default retry strategy over HTTP,
     * one over the embedded server.
     */
    public int maxAttempts() {
        return server ? DEFAULT_MAX_ATTEMPTS : 1;
    }

    private int serverPort() {
        return port;
    }

    /**
     * Returns the endpoint {@link #client()} talks to: the fault proxy in front of the server (server
     * mode only). Another process's client on it has the same {@code storeId} and sees the same
     * faults.
     */
    public synchronized URI endpoint() {
        requireServer("endpoint()");
        return URI.create("http://127.0.0.1:" + faultProxy.port());
    }

    /** Returns a table name not used before by this instance. */
    public String newTableName() {
        return "txlease_test_" + instance + "_" + tables.incrementAndGet();
    }

    /** Returns a store over a new, empty table (created through {@link #client()}). */
    public DynamoDbLeaseStore newStore() {
        return newStore(builder -> {});
    }

    /**
     * Returns a store over a new, empty table (created through {@link #client()}), after {@code
     * customizer} adjusted the builder.
     */
    public DynamoDbLeaseStore newStore(Consumer<DynamoDbLeaseStore.Builder> customizer) {
        DynamoDbLeaseStore.Builder builder =
                DynamoDbLeaseStore.builder(client()).tableName(newTableName());
        customizer.accept(builder);
        DynamoDbLeaseStore store = builder.build();
        store.createTableIfMissing();
        return store;
    }

    /** Stops the server (server mode only), keeping its data; requests then fail to connect. */
    public synchronized void stopServer() {
        requireServer("stopServer()");
        if (proxyServer == null) {
            return;
        }
        try {
            proxyServer.stop();
        } catch (Exception e) {
            throw new IllegalStateException("could not stop DynamoDB Local on port " + port, e);
        }
        proxyServer = null;
    }

    /** Starts the server again on the same port with the same data (server mode only), unless running. */
    public synchronized void startServer() {
        requireServer("startServer()");
        if (proxyServer != null || dbPath == null) {
            return;
        }
        List<String> args = List.of(
                "-port", Integer.toString(port), "-dbPath", dbPath.toString(), "-sharedDb", "-disableTelemetry");
        try {
            DynamoDBProxyServer started = ServerRunner.createServerFromCommandLineArgs(args.toArray(String[]::new));
            started.start();
            proxyServer = started;
        } catch (Exception e) {
            throw new IllegalStateException("could not start DynamoDB Local with " + args, e);
        }
    }

    /** Returns whether the server is running (server mode only). */
    public synchronized boolean isServerRunning() {
        requireServer("isServerRunning()");
        return proxyServer != null;
    }

    /** Stops DynamoDB Local, closes the client and deletes the server's data. */
    @Override
    public synchronized void close() {
        RuntimeException failure = null;
        if (client != null) {
            client.close();
            client = null;
        }
        if (faultProxy != null) {
            faultProxy.close();
            faultProxy = null;
        }
        if (embedded != null) {
            embedded.shutdown();
            embedded = null;
        }
        try {
            if (proxyServer != null) {
                stopServer();
            }
        } catch (RuntimeException e) {
            failure = e;
        }
        if (dbPath != null) {
            try {
                deleteRecursively(dbPath);
            } catch (UncheckedIOException e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
            dbPath = null;
        }
        if (failure != null) {
            throw failure;
        }
    }

    @Override
    public synchronized String toString() {
        return "DynamoDbLocal[" + (server ? "server, port " + port : "embedded") + ", instance " + instance + "]";
    }

    private DynamoDbClient serverClient() {
        return DynamoDbClient.builder()
                .endpointOverride(URI.create("http://127.0.0.1:" + faultProxy.port()))
                .region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("txlease", "txlease")))
                // The socket timeout is long so the warm-up can override the attempt timeout.
                .httpClientBuilder(UrlConnectionHttpClient.builder()
                        .connectionTimeout(ATTEMPT_TIMEOUT)
                        .socketTimeout(WARM_UP_TIMEOUT))
                .overrideConfiguration(configuration ->
                        configuration.apiCallAttemptTimeout(ATTEMPT_TIMEOUT).apiCallTimeout(CALL_TIMEOUT))
                .build();
    }

    private void requireServer(String method) {
        if (!server) {
            throw new IllegalStateException(method + " needs DynamoDbLocal.server(), this is embedded");
        }
    }

    // Another process may take the free port before the server binds it: try a few.
    private void startOnFreePort() {
        for (int attempt = 1; ; attempt++) {
            port = freeLoopbackPort();
            try {
                startServer();
                return;
            } catch (IllegalStateException e) {
                if (attempt == 3) {
                    throw e;
                }
            }
        }
    }

    private static int freeLoopbackPort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("could not find a free port for DynamoDB Local", e);
        }
    }

    private Path createDbDirectory() {
        try {
            Path target = Path.of("target");
            Path parent = Files.isDirectory(target) ? target : Path.of(System.getProperty("java.io.tmpdir"));
            return Files.createTempDirectory(parent, "dynamodb-local-" + instance + "-")
                    .toAbsolutePath();
        } catch (IOException e) {
            throw new UncheckedIOException("could not create a directory for DynamoDB Local's data", e);
        }
    }

    private static void deleteRecursively(Path directory) {
        try (Stream<Path> paths = Files.walk(directory)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("could not delete DynamoDB Local's data in " + directory, e);
        }
    }
}
