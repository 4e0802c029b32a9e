package dev.txlease.cli;

import dev.txlease.dynamodb.DynamoDbLeaseStore;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * A subcommand that works on the lease table: opens a client for the {@link StoreOptions}, runs,
 * closes the client.
 *
 * <p>Not thread-safe: one instance runs one command line.
 */
abstract class StoreCommand implements Callable<Integer> {
    @Mixin
    StoreOptions storeOptions;

    @Spec
    CommandSpec spec;

    @Override
    public final Integer call() {
        try (DynamoDbClient client = storeOptions.client()) {
            return run(client, storeOptions.store(client, this::configure));
        }
    }

    /** Sets what the command needs of the store beyond the table name; nothing by default. */
    void configure(DynamoDbLeaseStore.Builder builder) {}

    /**
     * Runs the command.
     *
     * @return the exit code
     */
    abstract int run(DynamoDbClient client, DynamoDbLeaseStore store);

    /** Where the command prints its result. */
    PrintWriter out() {
        return spec.commandLine().getOut();
    }

    /** Where the command prints why it failed. */
    PrintWriter err() {
        return spec.commandLine().getErr();
    }
}
