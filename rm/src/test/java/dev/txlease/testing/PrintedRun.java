package dev.txlease.testing;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/**
 * One run of an example's entry point with what it printed captured: the tests of the runnable
 * examples check both the outcome and the story.
 *
 * <pre>{@code
 * PrintedRun<KleppmannExample.Outcome> run = PrintedRun.of(KleppmannExample::run);
 * assertTrue(run.outcome().isSafe(), run.printed());
 * }</pre>
 *
 * <p>Immutable; thread-safe if the outcome is.
 *
 * @param outcome what the entry point returned
 * @param printed what it printed, as UTF-8
 * @param <T> the entry point's outcome type
 */
public record PrintedRun<T>(T outcome, String printed) {

    /**
     * An example's entry point that prints to a given stream, as {@code run(String[], PrintStream)}.
     *
     * @param <T> its outcome type
     */
    @FunctionalInterface
    public interface Entry<T> {
        T run(String[] args, PrintStream out) throws Exception;
    }

    /**
     * Runs {@code entry} without arguments, capturing what it prints.
     *
     * @param entry the entry point
     * @param <T> its outcome type
     * @return its outcome and what it printed
     * @throws Exception whatever the entry point throws
     */
    public static <T> PrintedRun<T> of(Entry<T> entry) throws Exception {
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        T outcome = entry.run(new String[0], new PrintStream(printed, true, StandardCharsets.UTF_8));
        return new PrintedRun<>(outcome, printed.toString(StandardCharsets.UTF_8));
    }
}
