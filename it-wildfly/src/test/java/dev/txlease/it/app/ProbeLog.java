package dev.txlease.it.app;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** What the probes saw, per lock, for the test to fetch after the transaction. */
final class ProbeLog {
    private static final Map<String, String> CALLS = new ConcurrentHashMap<>();

    private ProbeLog() {}

    static void record(String lock, String calls) {
        CALLS.put(lock, calls);
    }

    static String calls(String lock) {
        return CALLS.getOrDefault(lock, "none");
    }
}
