package dev.txlease.bench;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;

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

    private BenchMain() {}

    /**
     * Runs the benchmark.
     *
     * @param args {@code full} (the published run, a few minutes) or {@code quick} (seconds; the
     *     default)
     */
    public static void main(String[] args) {
        BenchMode mode = BenchMode.named(args.length == 0 ? "quick" : args[0].trim());
        String command = mode == BenchMode.FULL
                ? FULL_COMMAND
                : "mvn -B -q -pl bench -am package exec:java -DskipTests -Dexec.args=" + mode.name();
        Report report = run(mode, command);
        List<Path> files = report.write(outputDirectory(mode));
        System.out.println(report.markdown());
        files.forEach(file -> System.out.println("[bench] wrote " + file.toAbsolutePath()));
    }

    /** Returns where {@code mode} writes: {@code results/} for the full run, {@code target/} otherwise. */
    static Path outputDirectory(BenchMode mode) {
        Path module = Path.of(System.getProperty("txlease.bench.dir", "."));
        return mode == BenchMode.FULL ? module.resolve("results") : module.resolve("target").resolve("bench-" + mode.name());
    }

    /** Runs every measure in {@code mode} and returns the report; writes nothing. */
    static Report run(BenchMode mode, String command) {
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
            report.add(timed("1 requests per operation", () -> RequestsPerOperation.run(context)));
            report.add(timed("2 uncontended throughput", () -> UncontendedThroughput.run(context)));
            report.add(timed("3 contended handover", () -> ContendedHandover.run(context)));
            report.add(timed("4 heartbeat scale", () -> HeartbeatScale.run(context)));
            report.add(timed("5 transaction overhead", () -> TransactionOverhead.run(context)));
        }
        return report;
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
