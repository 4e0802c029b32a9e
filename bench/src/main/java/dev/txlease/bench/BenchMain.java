package dev.txlease.bench;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Runs the side-by-side benchmark of txlease and the AWS DynamoDB Lock Client and writes the results
 * as markdown and JSON.
 *
 * <pre>
 * mvn -B -q -pl bench -am package exec:java -DskipTests -Dexec.args=full    # bench/results/latest.{md,json}
 * mvn -B -q -pl bench -am package exec:java -DskipTests -Dexec.args=quick   # bench/target/bench-quick/
 * </pre>
 *
 * <p>Both libraries run in this JVM against DynamoDB Local, started here as an HTTP server on a
 * loopback port, on one table. Not thread-safe; run one at a time.
 */
public final class BenchMain {
    /** The documented command of the full run. */
    static final String FULL_COMMAND = "mvn -B -q -pl bench -am package exec:java -DskipTests -Dexec.args=full";

    /** Every measure. */
    static final Set<Integer> ALL_MEASURES = Set.of(1, 2, 3, 4, 5, 6);

    private static final Logger AWS_LOCK_CLIENT_LOGGER =
            Logger.getLogger("com.amazonaws.services.dynamodbv2.AmazonDynamoDBLockClient");

    private BenchMain() {}

    /**
     * Runs the benchmark.
     *
     * @param args {@code full} (the published run, a few minutes) or {@code quick} (seconds; the
     *     default), optionally followed by the numbers of the measures to run (1 to 6); a run of some
     *     measures only writes to {@code target/bench-partial/}
     */
    public static void main(String[] args) {
        List<String> words = args.length == 1 ? List.of(args[0].trim().split("\\s+")) : List.of(args);
        BenchMode mode = BenchMode.named(words.isEmpty() ? "quick" : words.get(0));
        Set<Integer> measures = new TreeSet<>();
        words.stream().skip(1).map(Integer::valueOf).forEach(measures::add);
        boolean partial = !measures.isEmpty();
        String command = mode == BenchMode.FULL && !partial
                ? FULL_COMMAND
                : "mvn -B -q -pl bench -am package exec:java -DskipTests -Dexec.args=\"" + String.join(" ", words)
                        + "\"";
        Report report = run(mode, command, partial ? measures : ALL_MEASURES);
        List<Path> files = report.write(
                partial ? outputDirectory(BenchMode.QUICK).resolveSibling("bench-partial") : outputDirectory(mode));
        System.out.println(report.markdown());
        files.forEach(file -> System.out.println("[bench] wrote " + file.toAbsolutePath()));
    }

    /** Returns where {@code mode} writes: {@code results/} for the full run, {@code target/} otherwise. */
    static Path outputDirectory(BenchMode mode) {
        Path module = moduleDirectory();
        return mode == BenchMode.FULL
                ? module.resolve("results")
                : module.resolve("target").resolve("bench-" + mode.name());
    }

    /**
     * Returns the bench module's directory: system property {@code txlease.bench.dir} (the pom sets it
     * for {@code exec:java} and the tests), else the working directory.
     */
    static Path moduleDirectory() {
        return Path.of(System.getProperty("txlease.bench.dir", "."));
    }

    /** Runs {@code measures} (1 to 6) in {@code mode} and returns the report; writes nothing. */
    static Report run(BenchMode mode, String command, Set<Integer> measures) {
        quietLibraryLogging();
        Report report = new Report(mode.name(), command);
        try (LoopbackDynamoDb dynamo = LoopbackDynamoDb.start()) {
            BenchTable.create(dynamo.newClient());
            TxleaseLibrary txlease = new TxleaseLibrary(dynamo, BenchTable.NAME);
            AwsLockLibrary aws = new AwsLockLibrary(dynamo, BenchTable.NAME);
            report.environment("libraries", txlease.displayName() + " vs. " + aws.displayName());
            report.environment(
                    "DynamoDB",
                    "DynamoDB Local (in memory) as an HTTP server on " + dynamo.endpoint()
                            + ", same JVM; both libraries' SDK clients: UrlConnectionHttpClient, default retries");
            BenchContext context = new BenchContext(mode, dynamo, txlease, aws);
            if (measures.contains(1)) {
                report.add(timed("1 requests per operation", () -> RequestsPerOperation.run(context)));
            }
            if (measures.contains(2)) {
                report.add(timed("2 uncontended throughput", () -> UncontendedThroughput.run(context)));
            }
            if (measures.contains(3)) {
                report.add(timed("3 contended handover", () -> ContendedHandover.run(context)));
            }
            if (measures.contains(4)) {
                report.add(timed("4 heartbeat scale", () -> HeartbeatScale.run(context)));
            }
            if (measures.contains(5)) {
                report.add(timed("5 transaction overhead", () -> TransactionOverhead.run(context)));
            }
            if (measures.contains(6)) {
                report.add(timed("6 requests per operation by lock mode", () -> ModeRequests.run(context)));
            }
            report.finished();
        }
        return report;
    }

    /**
     * Lowers the AWS lock client's logging to errors: closing it interrupts its heartbeat thread
     * mid-request and it logs each interrupted heartbeat with a stack trace. Missed renewals are
     * counted from the requests, not from its log. Keeps a strong reference so the level sticks.
     */
    private static void quietLibraryLogging() {
        AWS_LOCK_CLIENT_LOGGER.setLevel(Level.SEVERE);
    }

    private static Section timed(String measure, Supplier<Section> run) {
        System.err.println("[bench] measure " + measure + " ...");
        long start = System.nanoTime();
        Section section = run.get();
        System.err.printf(
                Locale.ROOT, "[bench] measure %s done in %.1f s%n", measure, (System.nanoTime() - start) / 1e9);
        return section;
    }

    /** Returns {@code duration} as seconds, e.g. {@code "0.5 s"} or {@code "30 s"}. */
    static String seconds(Duration duration) {
        double seconds = duration.toMillis() / 1000.0;
        return (seconds == Math.rint(seconds) ? Long.toString((long) seconds) : Double.toString(seconds)) + " s";
    }
}
