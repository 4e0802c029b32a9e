package dev.txlease.bench;

import java.util.Arrays;
import java.util.Locale;

/**
 * Durations in nanoseconds, recorded by one thread, then summarized (mean, percentiles by the
 * nearest-rank method, max).
 *
 * <p>Not thread-safe: one instance per recording thread, {@link #addAll} to merge after the threads
 * are joined.
 */
final class Latencies {
    private long[] values = new long[1024];
    private int size;

    /** Records one duration in nanoseconds. */
    void add(long nanos) {
        if (size == values.length) {
            values = Arrays.copyOf(values, size * 2);
        }
        values[size++] = nanos;
    }

    /** Records every duration of {@code other}. */
    void addAll(Latencies other) {
        for (int i = 0; i < other.size; i++) {
            add(other.values[i]);
        }
    }

    /** Returns the number of durations. */
    int count() {
        return size;
    }

    /** Returns the {@code percentile} (0 to 100) in nanoseconds, nearest rank; 0 when empty. */
    long percentile(double percentile) {
        if (size == 0) {
            return 0;
        }
        long[] sorted = Arrays.copyOf(values, size);
        Arrays.sort(sorted);
        int rank = (int) Math.ceil(percentile / 100.0 * size);
        return sorted[Math.max(0, Math.min(size - 1, rank - 1))];
    }

    /** Returns the largest duration in nanoseconds; 0 when empty. */
    long max() {
        return percentile(100);
    }

    /** Returns the mean in nanoseconds; 0 when empty. */
    double mean() {
        long sum = 0;
        for (int i = 0; i < size; i++) {
            sum += values[i];
        }
        return size == 0 ? 0 : (double) sum / size;
    }

    /** Returns nanoseconds as milliseconds with two decimals. */
    static String millis(double nanos) {
        return String.format(Locale.ROOT, "%.2f", nanos / 1e6);
    }

    /** Returns nanoseconds as milliseconds, for JSON. */
    static double millisValue(double nanos) {
        return Math.round(nanos / 1e4) / 100.0;
    }
}
