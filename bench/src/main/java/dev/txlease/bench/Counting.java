package dev.txlease.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Request counts of one operation over repetitions, with the operation names of one of them.
 *
 * <p>Not thread-safe.
 */
final class Counting {
    private final List<Long> samples = new ArrayList<>();
    private Map<String, Long> operations = Map.of();

    /** Records one repetition: its request count and its requests by operation name. */
    void add(Map<String, Long> before, Map<String, Long> after) {
        Map<String, Long> delta = new TreeMap<>();
        after.forEach((operation, count) -> {
            long sent = count - before.getOrDefault(operation, 0L);
            if (sent > 0) {
                delta.put(operation, sent);
            }
        });
        samples.add(delta.values().stream().mapToLong(Long::longValue).sum());
        operations = delta;
    }

    long min() {
        return samples.stream().mapToLong(Long::longValue).min().orElse(0);
    }

    long max() {
        return samples.stream().mapToLong(Long::longValue).max().orElse(0);
    }

    double mean() {
        return samples.stream().mapToLong(Long::longValue).average().orElse(0);
    }

    List<Long> samples() {
        return List.copyOf(samples);
    }

    /** Returns whether every repetition sent exactly {@code count} requests. */
    boolean always(long count) {
        return !samples.isEmpty() && min() == count && max() == count;
    }

    /** Returns e.g. {@code "2 (GetItem + PutItem)"}, or {@code "2.4 (2-3)"} when repetitions differ. */
    String describe() {
        String count = min() == max()
                ? Long.toString(min())
                : String.format(Locale.ROOT, "%.1f (%d-%d)", mean(), min(), max());
        StringBuilder names = new StringBuilder();
        operations.forEach((operation, sent) -> names.append(names.length() == 0 ? "" : " + ")
                .append(sent > 1 ? sent + "x " : "")
                .append(operation));
        return min() == max() ? count + " (" + names + ")" : count;
    }
}
