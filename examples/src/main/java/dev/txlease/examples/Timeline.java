package dev.txlease.examples;

import java.io.PrintStream;

/** Prints who did what when, as the story unfolds. Thread-safe. */
final class Timeline {
    private final long startNanos = System.nanoTime();
    private final PrintStream out;

    Timeline(PrintStream out) {
        this.out = out;
        out.printf("%8s  %-9s %-19s %s%n", "time", "worker", "fence", "event");
    }

    /** Prints an event; {@code fence} may be null. */
    synchronized void event(String worker, Object fence, String what) {
        long millis = (System.nanoTime() - startNanos) / 1_000_000;
        String line = String.format("%6d ms  %-9s %-19s %s", millis, worker, fence == null ? "-" : fence, what);
        out.println(line);
    }
}
