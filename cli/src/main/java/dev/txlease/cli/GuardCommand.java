package dev.txlease.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code guard}: the commands on a database's guard table (today: {@code check}).
 *
 * <p>Not thread-safe: one instance runs one command line.
 */
@Command(
        name = "guard",
        mixinStandardHelpOptions = true,
        description = "Commands on the guard table of a fenced database.",
        subcommands = GuardCheckCommand.class)
final class GuardCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "Missing required subcommand");
    }
}
