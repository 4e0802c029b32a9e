package dev.txlease.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine;

/**
 * Runs the tool in this JVM (picocli's {@code execute}) and captures its exit code and output.
 *
 * <p>Stateless and thread-safe.
 */
final class Cli {
    private Cli() {}

    /** What one run of the tool printed and returned. */
    record Run(int exitCode, String out, String err) {}

    /**
     * Runs the tool with {@code --endpoint} added after the (sub)command words ({@code list}, {@code
     * guard check}).
     */
    static Run runAt(String endpoint, String... args) {
        List<String> line = new ArrayList<>(List.of(args));
        int words = 0;
        while (words < line.size() && words < 2 && !line.get(words).startsWith("-")) {
            words++;
            if (!line.get(0).equals("guard")) {
                break;
            }
        }
        if (words > 0) {
            line.add(words, "--endpoint=" + endpoint);
        }
        return run(line.toArray(String[]::new));
    }

    /** Runs the tool with exactly {@code args}. */
    static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine commandLine = TxleaseCli.commandLine();
        commandLine.setOut(new PrintWriter(out, true));
        commandLine.setErr(new PrintWriter(err, true));
        int exitCode = commandLine.execute(args);
        return new Run(exitCode, out.toString(), err.toString());
    }

    /** Returns a local port that nothing listens on (it was just bound and closed). */
    static int closedPort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
