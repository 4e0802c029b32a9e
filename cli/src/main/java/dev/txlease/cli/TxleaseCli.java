package dev.txlease.cli;

import dev.txlease.LeaseStoreUnavailableException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * The {@code txlease} command: one subcommand per operation on the lease table.
 *
 * <p>Exit codes: {@value #OK} success, {@value #STORE_FAILED} the store or the database could not
 * be reached or failed (unknown table, wrong endpoint, no credentials), {@value #USAGE} bad input
 * (unknown option, missing name, a release without {@code --force}, a release that selects several
 * holders without {@code --all}, no driver for the JDBC URL), {@value #NOT_HELD} the lock does not
 * exist, has no holder of the given owner (in the given mode), or changed while the command ran, {@value #GUARD_UNFIT} the guard table is missing or cannot fence, {@value
 * #FENCE_WENT_BACK} a guard token is above the lease table's fence.
 *
 * <p>Not thread-safe: one instance runs one command line.
 */
@Command(
        name = "txlease",
        mixinStandardHelpOptions = true,
        versionProvider = TxleaseCli.Version.class,
        description = "Operates the txlease lease table on DynamoDB and checks guard tables.",
        subcommands = {
            CreateTableCommand.class,
            ListCommand.class,
            InspectCommand.class,
            ReleaseCommand.class,
            PreparedCommand.class,
            GuardCommand.class
        },
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:success",
            "1:the lease store or the database could not be reached or failed",
            "2:bad input (unknown option, missing argument, release without --force or of several holders without"
                    + " --all, no driver for the JDBC URL)",
            "3:no such lock, no holder of that owner (in that mode), or changed meanwhile",
            "4:the guard table is missing or cannot fence (guard check)",
            "5:a guard token above the lease table's fence: the lease table went back (guard check)"
        })
public final class TxleaseCli implements Runnable {
    /** Exit code: success. */
    public static final int OK = 0;

    /** Exit code: the lease store or the database could not be reached or failed. */
    public static final int STORE_FAILED = 1;

    /** Exit code: bad input. */
    public static final int USAGE = 2;

    /** Exit code: no such lock, not held by the given owner, or changed while the command ran. */
    public static final int NOT_HELD = 3;

    /** Exit code: the guard table is missing or cannot fence (no primary key on name, not InnoDB). */
    public static final int GUARD_UNFIT = 4;

    /** Exit code: a guard token is above the lease table's fence: the lease table went back. */
    public static final int FENCE_WENT_BACK = 5;

    @Spec
    private CommandSpec spec;

    /**
     * Runs the tool and exits the JVM with its exit code.
     *
     * @param args the command line
     */
    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /**
     * Returns a command line for the tool, with its exception handler installed; set its output and
     * error writers to capture what it prints.
     *
     * @return a new command line
     */
    public static CommandLine commandLine() {
        CommandLine commandLine = new CommandLine(new TxleaseCli());
        commandLine.setExecutionExceptionHandler(TxleaseCli::handle);
        return commandLine;
    }

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "Missing required subcommand");
    }

    private static int handle(Exception exception, CommandLine commandLine, CommandLine.ParseResult parseResult) {
        if (exception instanceof CommandFailure failure) {
            commandLine.getErr().println("error: " + failure.getMessage());
            return failure.exitCode();
        }
        if (exception instanceof LeaseStoreUnavailableException) {
            commandLine.getErr().println("error: " + exception.getMessage());
            return STORE_FAILED;
        }
        if (exception instanceof IllegalArgumentException) {
            commandLine.getErr().println("error: " + exception.getMessage());
            commandLine.usage(commandLine.getErr());
            return USAGE;
        }
        commandLine.getErr().println("error: " + exception);
        return STORE_FAILED;
    }

    /** The version of the txlease-cli jar, when known. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String version = TxleaseCli.class.getPackage().getImplementationVersion();
            return new String[] {"txlease " + (version == null ? "(development build)" : version)};
        }
    }
}
