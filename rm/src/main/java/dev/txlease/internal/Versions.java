package dev.txlease.internal;

import java.security.SecureRandom;
import java.util.Base64;

/** Fresh random record versions (compare-and-set nonces, not fence tokens). Thread-safe. */
final class Versions {
    private static final SecureRandom RANDOM = new SecureRandom();

    private Versions() {}

    static String next() {
        byte[] bytes = new byte[12];
        RANDOM.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }
}
