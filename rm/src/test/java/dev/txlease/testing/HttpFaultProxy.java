package dev.txlease.testing;

import dev.txlease.testing.FaultInjector.Fault;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntSupplier;

/**
 * A loopback HTTP proxy in front of the DynamoDB Local server that applies a {@link FaultInjector}
 * on the wire: the SDK client talks to the proxy, so its retries, timeouts and interrupt checks act
 * on real broken connections, late answers and late landings, not on exceptions thrown at it.
 *
 * <p>One request per connection: the proxy asks DynamoDB Local to close after answering and passes
 * {@code Connection: close} on, so no client reuses a connection (and the JDK's HTTP client never
 * resends a request on a stale one behind the SDK's back). The operation is read from the {@code
 * X-Amz-Target} header; every request that reaches DynamoDB is counted in the {@link
 * RequestCounter}, once, when DynamoDB Local has answered it (so it has taken effect); the counter
 * also knows how many connections the proxy is still serving ({@link RequestCounter#inFlight()}).
 *
 * <p>Thread-safe; one thread per open connection, daemon threads, stopped by {@link #close()}.
 */
final class HttpFaultProxy implements AutoCloseable {
    private static final AtomicInteger THREADS = new AtomicInteger();

    private final ServerSocket server;
    private final IntSupplier upstreamPort;
    private final FaultInjector faults;
    private final RequestCounter requests;
    private final ExecutorService connections = Executors.newCachedThreadPool(runnable -> {
        Thread thread = new Thread(runnable, "txlease-test-proxy-" + THREADS.incrementAndGet());
        thread.setDaemon(true);
        return thread;
    });

    private HttpFaultProxy(
            ServerSocket server, IntSupplier upstreamPort, FaultInjector faults, RequestCounter requests) {
        this.server = server;
        this.upstreamPort = upstreamPort;
        this.faults = faults;
        this.requests = requests;
    }

    /** Starts a proxy on a free loopback port that forwards to {@code upstreamPort} on loopback. */
    static HttpFaultProxy start(IntSupplier upstreamPort, FaultInjector faults, RequestCounter requests) {
        try {
            ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            HttpFaultProxy proxy = new HttpFaultProxy(server, upstreamPort, faults, requests);
            proxy.connections.execute(proxy::acceptLoop);
            return proxy;
        } catch (IOException e) {
            throw new UncheckedIOException("could not start the fault proxy", e);
        }
    }

    int port() {
        return server.getLocalPort();
    }

    @Override
    public void close() {
        try {
            server.close();
        } catch (IOException e) {
            // closing anyway
        }
        connections.shutdownNow();
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket client = server.accept();
                requests.opened();
                connections.execute(() -> {
                    try {
                        serve(client);
                    } finally {
                        requests.finished();
                    }
                });
            } catch (IOException e) {
                return; // closed
            }
        }
    }

    private void serve(Socket client) {
        try (client) {
            HttpMessage request = HttpMessage.read(new java.io.BufferedInputStream(client.getInputStream()));
            if (request == null) {
                return;
            }
            String operation = request.operation();
            Fault fault = faults.next(operation);
            switch (fault.action()) {
                case PASS -> answer(client, forward(operation, request));
                case FAIL_REQUEST -> {} // closed unanswered, never forwarded
                case DROP_RESPONSE -> forward(operation, request); // landed, closed unanswered
                case DELAY_REQUEST -> {
                    fault.gate().arrive();
                    client.close(); // the caller sees a broken connection now
                    fault.gate().awaitOpen();
                    forward(operation, request); // lands late; nobody reads the answer
                    fault.gate().pass();
                }
                case HOLD_REQUEST -> {
                    fault.gate().arrive();
                    fault.gate().awaitOpen();
                    byte[] response = forward(operation, request);
                    fault.gate().pass();
                    answer(client, response);
                }
                case HOLD_RESPONSE -> {
                    byte[] response = forward(operation, request);
                    fault.gate().arrive();
                    fault.gate().awaitOpen();
                    answer(client, response);
                    fault.gate().pass();
                }
            }
        } catch (IOException e) {
            // the client or DynamoDB Local went away: the client sees a broken connection
        }
    }

    private static void answer(Socket client, byte[] response) throws IOException {
        if (response != null) {
            client.getOutputStream().write(response);
            client.getOutputStream().flush();
        }
    }

    /** Sends the request to DynamoDB Local and returns its answer, or null if it is down. */
    private byte[] forward(String operation, HttpMessage request) throws IOException {
        Socket upstream;
        try {
            upstream = new Socket(InetAddress.getLoopbackAddress(), upstreamPort.getAsInt());
        } catch (IOException down) {
            return null; // an outage: the client sees its connection closed
        }
        try (upstream) {
            OutputStream out = upstream.getOutputStream();
            out.write(request.bytes());
            out.flush();
            byte[] response = upstream.getInputStream().readAllBytes();
            requests.record(operation); // counted once it took effect: a test that waits for it may rely on that
            return response;
        }
    }

    /** A request as read from the client, its headers rewritten to close the connection. */
    private record HttpMessage(byte[] bytes, String operation) {

        static HttpMessage read(InputStream in) throws IOException {
            StringBuilder head = new StringBuilder();
            int contentLength = 0;
            String operation = "unknown";
            String requestLine = line(in);
            if (requestLine == null || requestLine.isEmpty()) {
                return null;
            }
            head.append(requestLine).append("\r\n");
            for (String header = line(in); header != null && !header.isEmpty(); header = line(in)) {
                String lower = header.toLowerCase(Locale.ROOT);
                if (lower.startsWith("connection:") || lower.startsWith("keep-alive:")) {
                    continue;
                }
                if (lower.startsWith("content-length:")) {
                    contentLength = Integer.parseInt(
                            header.substring(header.indexOf(':') + 1).trim());
                } else if (lower.startsWith("x-amz-target:")) {
                    String target = header.substring(header.indexOf(':') + 1).trim();
                    operation = target.substring(target.indexOf('.') + 1);
                }
                head.append(header).append("\r\n");
            }
            head.append("Connection: close\r\n\r\n");
            byte[] body = in.readNBytes(contentLength);
            if (body.length < contentLength) {
                return null;
            }
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            bytes.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
            bytes.write(body);
            return new HttpMessage(bytes.toByteArray(), operation);
        }

        private static String line(InputStream in) throws IOException {
            StringBuilder line = new StringBuilder();
            int c;
            while ((c = in.read()) != -1) {
                if (c == '\n') {
                    int end = line.length();
                    return end > 0 && line.charAt(end - 1) == '\r' ? line.substring(0, end - 1) : line.toString();
                }
                line.append((char) c);
            }
            return line.length() == 0 ? null : line.toString();
        }
    }
}
