package dev.txlease.it;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

/**
 * A real WildFly for the tests, run as a child process: the distribution the build unpacked under
 * {@code target/} ({@code txlease.wildfly.home}), a fresh server base directory per test class under
 * {@code target/servers/}, bound to 127.0.0.1 with a port offset whose ports were free, configured
 * offline by the CLI's embedded server, deployments through the deployment scanner.
 *
 * <p>Not thread-safe: one test thread drives it.
 */
final class WildFlyServer implements AutoCloseable {
    private static final int[] BASE_PORTS = {8080, 8443, 9990, 9993, 4712, 4713, 8009};
    private static final Duration BOOT = Duration.ofSeconds(180);

    private final Path home;
    private final Path base;
    private final int offset;
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final List<String> systemProperties = new ArrayList<>();
    private Process process;
    private int starts;

    private WildFlyServer(Path home, Path base, int offset) {
        this.home = home;
        this.base = base;
        this.offset = offset;
    }

    /** Returns a server over a fresh copy of the distribution's {@code standalone/} directory. */
    static WildFlyServer prepare(String name) throws IOException {
        Path home = Path.of(System.getProperty("txlease.wildfly.home", "target/wildfly-39.0.1.Final"))
                .toAbsolutePath();
        if (!Files.isDirectory(home.resolve("bin"))) {
            throw new IllegalStateException("No WildFly at " + home + "; run the build (mvn verify), which unpacks it");
        }
        Path base = Path.of("target", "servers", name).toAbsolutePath();
        deleteTree(base);
        copyTree(home.resolve("standalone"), base);
        return new WildFlyServer(home, base, freeOffset());
    }

    Path base() {
        return base;
    }

    /** Adds {@code -Dname=value} to the server's command line. */
    void systemProperty(String name, String value) {
        systemProperties.add("-D" + name + "=" + value);
    }

    /** Runs CLI commands against the stopped server's configuration (an embedded server). */
    void configure(List<String> commands) throws IOException, InterruptedException {
        Path script = base.resolve("configure.cli");
        List<String> lines = new ArrayList<>();
        lines.add("embed-server --std-out=discard --server-config=standalone.xml");
        lines.addAll(commands);
        lines.add("stop-embedded-server");
        Files.write(script, lines);
        ProcessBuilder cli = new ProcessBuilder(home.resolve("bin/jboss-cli.sh").toString(), "--file=" + script)
                .redirectErrorStream(true)
                .redirectOutput(base.resolve("configure.log").toFile());
        cli.environment().put("JAVA_OPTS", "-Djboss.server.base.dir=" + base);
        cli.environment().put("JBOSS_HOME", home.toString());
        Process configuring = cli.start();
        if (!configuring.waitFor(3, TimeUnit.MINUTES) || configuring.exitValue() != 0) {
            configuring.destroyForcibly();
            throw new IllegalStateException("CLI configuration failed, see " + base.resolve("configure.log") + ":\n"
                    + Files.readString(base.resolve("configure.log")));
        }
    }

    /** Starts the server and waits until it reports it started. */
    void start() throws IOException, InterruptedException {
        if (process != null && process.isAlive()) {
            throw new IllegalStateException("already running");
        }
        starts++;
        Path console = base.resolve("log").resolve("console-" + starts + ".log");
        Files.createDirectories(console.getParent());
        List<String> command = new ArrayList<>(List.of(
                home.resolve("bin/standalone.sh").toString(),
                "-Djboss.server.base.dir=" + base,
                "-Djboss.socket.binding.port-offset=" + offset,
                "-b",
                "127.0.0.1",
                "-bmanagement",
                "127.0.0.1"));
        command.addAll(systemProperties);
        ProcessBuilder builder =
                new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(console.toFile());
        builder.environment().put("JBOSS_HOME", home.toString());
        builder.environment()
                .put(
                        "JAVA_OPTS",
                        "-Xms64m -Xmx512m -XX:MetaspaceSize=96M -Djava.net.preferIPv4Stack=true"
                                + " -Djava.awt.headless=true -XX:TieredStopAtLevel=1");
        process = builder.start();
        await(BOOT, "server start (" + console + ")", () -> {
            String log = readQuietly(console);
            if (log.contains("WFLYSRV0026") || !process.isAlive()) {
                throw new IllegalStateException("The server did not start cleanly, see " + console + ":\n" + log);
            }
            return log.contains("WFLYSRV0025");
        });
    }

    /** Copies {@code archive} into the deployment scanner's directory and waits until it is deployed. */
    void deploy(Path archive) throws IOException, InterruptedException {
        Path deployments = base.resolve("deployments");
        String name = archive.getFileName().toString();
        Files.copy(archive, deployments.resolve(name), StandardCopyOption.REPLACE_EXISTING);
        await(Duration.ofSeconds(120), "deployment of " + name, () -> {
            if (Files.exists(deployments.resolve(name + ".failed"))) {
                throw new IllegalStateException("Deployment of " + name + " failed: "
                        + readQuietly(deployments.resolve(name + ".failed")) + "\n" + serverLog());
            }
            return Files.exists(deployments.resolve(name + ".deployed"));
        });
    }

    /** Sends a GET to the test application and returns the body. */
    String get(String pathAndQuery) throws IOException, InterruptedException {
        return send(pathAndQuery).body();
    }

    /** Sends a GET without waiting for the answer. */
    CompletableFuture<HttpResponse<String>> getAsync(String pathAndQuery) {
        return http.sendAsync(request(pathAndQuery), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> send(String pathAndQuery) throws IOException, InterruptedException {
        HttpResponse<String> response = http.send(request(pathAndQuery), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IllegalStateException(
                    "GET " + pathAndQuery + " answered " + response.statusCode() + ": " + response.body());
        }
        return response;
    }

    private HttpRequest request(String pathAndQuery) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + (8080 + offset) + pathAndQuery))
                .timeout(Duration.ofSeconds(90))
                .GET()
                .build();
    }

    /**
     * Stops ({@code SIGSTOP}) or continues ({@code SIGCONT}) the server's processes: a pause of the
     * whole JVM, as a long garbage collection would make it.
     */
    void signal(String signal) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("kill", "-" + signal));
        process.descendants().forEach(child -> command.add(Long.toString(child.pid())));
        command.add(Long.toString(process.pid()));
        Process kill = new ProcessBuilder(command).inheritIO().start();
        if (kill.waitFor() != 0) {
            throw new IllegalStateException(command + " failed");
        }
    }

    /** Waits until the server process has ended (it halted itself) and returns its exit code. */
    int awaitExit(Duration timeout) throws InterruptedException {
        List<ProcessHandle> children = process.descendants().toList();
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new IllegalStateException("The server did not exit within " + timeout);
        }
        for (ProcessHandle child : children) {
            child.onExit().join();
        }
        return process.exitValue();
    }

    /**
     * Asks the transaction manager for a recovery pass now, through its recovery listener ({@code
     * SCAN}), and waits for it to finish ({@code DONE}).
     */
    void scanRecovery() throws IOException {
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), 4712 + offset)) {
            socket.setSoTimeout(120_000);
            OutputStream out = socket.getOutputStream();
            out.write("SCAN\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            BufferedReader in =
                    new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII));
            String answer = in.readLine();
            if (!"DONE".equals(answer)) {
                throw new IllegalStateException("Recovery listener answered " + answer);
            }
        }
    }

    /** Returns the transaction log records (files) of the server's object store. */
    List<Path> transactionLogs() throws IOException {
        Path store = base.resolve("data").resolve("tx-object-store");
        if (!Files.exists(store)) {
            return List.of();
        }
        try (Stream<Path> files = Files.walk(store)) {
            return files.filter(Files::isRegularFile)
                    .filter(file -> file.toString().contains("AtomicAction"))
                    .toList();
        }
    }

    /** Returns the server log of this base directory (all starts). */
    String serverLog() {
        return readQuietly(base.resolve("log").resolve("server.log"));
    }

    /** Stops the server (SIGTERM to the whole process tree) and waits for it. */
    void stop() throws InterruptedException {
        if (process == null) {
            return;
        }
        List<ProcessHandle> tree = new ArrayList<>(process.descendants().toList());
        tree.add(process.toHandle());
        for (ProcessHandle handle : tree) {
            handle.destroy();
        }
        for (ProcessHandle handle : tree) {
            try {
                handle.onExit().get(60, TimeUnit.SECONDS);
            } catch (Exception e) {
                handle.destroyForcibly();
            }
        }
        process = null;
    }

    @Override
    public void close() throws InterruptedException {
        stop();
    }

    static void await(Duration timeout, String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new IllegalStateException("Timed out after " + timeout + " waiting for " + what);
            }
            Thread.sleep(200); // polling interval, with a deadline
        }
    }

    private static int freeOffset() {
        for (int attempt = 0; attempt < 50; attempt++) {
            int offset = ThreadLocalRandom.current().nextInt(20_000, 50_000);
            if (allFree(offset)) {
                return offset;
            }
        }
        throw new IllegalStateException("No port offset with all of WildFly's ports free");
    }

    private static boolean allFree(int offset) {
        for (int port : BASE_PORTS) {
            try (ServerSocket socket = new ServerSocket(port + offset, 1, InetAddress.getLoopbackAddress())) {
                socket.setReuseAddress(true);
            } catch (IOException e) {
                return false;
            }
        }
        return true;
    }

    private static String readQuietly(Path file) {
        try {
            return Files.exists(file) ? Files.readString(file) : "";
        } catch (IOException e) {
            return "";
        }
    }

    private static void copyTree(Path source, Path target) throws IOException {
        try (Stream<Path> paths = Files.walk(source)) {
            for (Path path : (Iterable<Path>) paths::iterator) {
                Path copy = target.resolve(source.relativize(path).toString());
                if (Files.isDirectory(path)) {
                    Files.createDirectories(copy);
                } else {
                    Files.copy(path, copy);
                }
            }
        }
    }

    static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path path : (Iterable<Path>) paths.sorted(Comparator.reverseOrder())::iterator) {
                try {
                    Files.delete(path);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        }
    }
}
