package dev.txlease.cli;

/**
 * Ends a command with an exit code and a message for standard error ({@code error: MESSAGE}); the
 * message names what is wrong and what to do.
 *
 * <p>Immutable; thrown and handled on the command's thread.
 */
final class CommandFailure extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int exitCode;

    /**
     * @param exitCode one of {@link TxleaseCli}'s exit codes
     * @param message what is wrong and what to do
     * @param cause the failure behind it, or {@code null}
     */
    CommandFailure(int exitCode, String message, Throwable cause) {
        super(message, cause);
        this.exitCode = exitCode;
    }

    /** Returns the exit code. */
    int exitCode() {
        return exitCode;
    }
}
